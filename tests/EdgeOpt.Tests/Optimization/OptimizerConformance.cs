using System.Security.Cryptography;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.Conformance;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Tests.Optimization;

/// <summary>
/// Runs every <see cref="OptimizationVariant"/> over one ONNX conformance case. The original's ORT session, the
/// loaded inputs and the reference outputs are made once and shared by all variants. Reference per output: the
/// suite's output_*.pb where ORT reproduces it on the original, else ORT's own output on the original (so ORT's
/// deviations are not blamed on a pass). Variants that leave the model byte-identical need no session; identical
/// results of two variants are checked once.
/// </summary>
internal static class OptimizerConformance
{
    public static IReadOnlyList<VariantResult> Run(string suite, string directory, IReadOnlyList<OptimizationVariant> variants)
    {
        var name = Path.GetFileName(directory);
        IReadOnlyList<VariantResult> All(VariantOutcome outcome, string reason) =>
            variants.Select(v => new VariantResult(v.Name, suite, name, outcome, reason)).ToList();

        Model original;
        try
        {
            original = Model.Load(Path.Combine(directory, "model.onnx"));
        }
        catch (Exception e) when (e is EdgeOptException or IOException)
        {
            return All(VariantOutcome.Skip, $"cannot load: {e.Message}"); // the round-trip conformance test reports it
        }
        using (original)
        {
            byte[] originalBytes;
            using (var clone = original.Clone()) originalBytes = clone.ToBytes();
            using var options = ConformanceSuite.SessionOptionsForDeterminism();
            InferenceSession session;
            try
            {
                session = new InferenceSession(originalBytes, options);
            }
            catch (OnnxRuntimeException e)
            {
                return All(VariantOutcome.Skip, $"ORT cannot create a session on the original: {ConformanceSuite.KeyPart(e.Message)}");
            }
            using (session)
            {
                var outputNames = original.Graph.Outputs.Select(o => o.Name).ToArray();
                var dataSets = new List<DataSet>();
                try
                {
                    if (LoadReferences(directory, original, session, outputNames, dataSets) is { } skip) return All(VariantOutcome.Skip, skip);
                    var verdicts = new Dictionary<string, string?>(StringComparer.Ordinal);
                    return variants.Select(v => RunVariant(v, suite, name, original, originalBytes, options, outputNames, dataSets, verdicts)).ToList();
                }
                finally
                {
                    foreach (var set in dataSets)
                        foreach (var value in set.Inputs.Values) value?.Dispose();
                }
            }
        }
    }

    /// <summary>Loads inputs and settles the reference outputs; returns a skip reason when ORT cannot serve as a judge.</summary>
    private static string? LoadReferences(string directory, Model model, InferenceSession session, string[] outputNames, List<DataSet> dataSets)
    {
        if (ConformanceSuite.RandomOpOf(model) is { } random) return $"random op {random}: its outputs differ from run to run";
        foreach (var path in Directory.EnumerateDirectories(directory, "test_data_set_*").Order(StringComparer.Ordinal))
        {
            var set = Path.GetFileName(path);
            var (inputs, expected, unsupported) = ConformanceSuite.LoadDataSet(path, model.Graph);
            if (unsupported is not null) return $"{set}: {unsupported}";
            dataSets.Add(new DataSet(set, inputs, []));
            List<OnnxDataValue> first, second;
            try
            {
                first = ConformanceSuite.Execute(session, inputs, outputNames);
                second = ConformanceSuite.Execute(session, inputs, outputNames);
            }
            catch (Exception e) when (e is OnnxRuntimeException or UnsupportedOperatorException)
            {
                return $"ORT cannot run the original: {ConformanceSuite.KeyPart(e.Message)}";
            }
            for (var i = 0; i < outputNames.Length; i++)
            {
                if (OutputComparer.Bitwise(first[i], second[i]) is not null)
                    return $"output '{outputNames[i]}' is random (two runs of the original differ){ConformanceSuite.OpsOf(model, "")}";
                var matchesSuite = i < expected.Count && OutputComparer.AllClose(expected[i], first[i]) is null;
                dataSets[^1].References.Add(matchesSuite ? expected[i] : first[i]);
            }
        }
        return dataSets.Count == 0 ? "no test_data_set_* folder" : null;
    }

    private static VariantResult RunVariant(OptimizationVariant variant, string suite, string name, Model original, byte[] originalBytes,
        SessionOptions options, string[] outputNames, List<DataSet> dataSets, Dictionary<string, string?> verdicts)
    {
        Trace($"{variant.Name} on {suite}/{name}");
        byte[] bytes;
        bool changed, restructured;
        try
        {
            using var candidate = original.Clone();
            changed = variant.Apply(candidate);
            bytes = candidate.ToBytes();
            restructured = Structure(candidate) != Structure(original);
        }
        catch (Exception e)
        {
            return new VariantResult(variant.Name, suite, name, VariantOutcome.Fail, $"threw on a valid model: {e.GetType().Name}: {OneLine(e.Message)}");
        }
        var identical = bytes.AsSpan().SequenceEqual(originalBytes);
        if (identical)
        {
            return changed
                ? new VariantResult(variant.Name, suite, name, VariantOutcome.Pass, "reported a change but the model is byte-identical")
                : new VariantResult(variant.Name, suite, name, VariantOutcome.Unchanged);
        }
        if (!changed && restructured)
            return new VariantResult(variant.Name, suite, name, VariantOutcome.Fail, "rewrote the graph but reported no change (breaks the fixpoint contract)");

        var key = Convert.ToHexString(SHA256.HashData(bytes));
        if (!verdicts.TryGetValue(key, out var failure))
        {
            failure = Verify(bytes, options, outputNames, dataSets);
            verdicts[key] = failure;
        }
        if (failure is not null) return new VariantResult(variant.Name, suite, name, VariantOutcome.Fail, failure);
        // Inferred types or a tensor's encoding may differ without a rewrite: verified, but nothing to count as applied.
        return new VariantResult(variant.Name, suite, name, changed ? VariantOutcome.Pass : VariantOutcome.Unchanged);
    }

    /// <summary>The graph's wiring (ops, value names, attribute names, initializer names), blind to types and encodings.</summary>
    private static string Structure(Model model)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var graph in model.Graph.AllGraphs())
        {
            sb.Append("in:").AppendJoin(',', graph.Inputs.Select(v => v.Name)).Append(";out:").AppendJoin(',', graph.Outputs.Select(v => v.Name))
                .Append(";init:").AppendJoin(',', graph.Initializers.Select(v => v.Name)).Append('\n');
            foreach (var node in graph.Nodes)
                sb.Append(node.Domain).Append(':').Append(node.OpType).Append('(').AppendJoin(',', node.Inputs.Select(v => v?.Name ?? ""))
                    .Append(")->").AppendJoin(',', node.Outputs.Select(v => v.Name)).Append('[').AppendJoin(',', node.Attributes.Select(a => a.Name)).Append("]\n");
        }
        return sb.ToString();
    }

    /// <summary>Null when the optimized model reproduces every reference output; else what went wrong.</summary>
    private static string? Verify(byte[] bytes, SessionOptions options, string[] outputNames, List<DataSet> dataSets)
    {
        InferenceSession session;
        try
        {
            session = new InferenceSession(bytes, options);
        }
        catch (OnnxRuntimeException e)
        {
            return $"ORT runs the original but cannot load the result: {ConformanceSuite.KeyPart(e.Message)}";
        }
        using (session)
        {
            var declared = session.InputMetadata.Keys.ToHashSet(StringComparer.Ordinal);
            foreach (var set in dataSets)
            {
                // A pass may drop unused inputs: feed only what the result still declares.
                var inputs = set.Inputs.Where(kv => declared.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                List<OnnxDataValue> actual;
                try
                {
                    actual = ConformanceSuite.Execute(session, inputs, outputNames);
                }
                catch (Exception e) when (e is OnnxRuntimeException or UnsupportedOperatorException)
                {
                    return $"{set.Name}: ORT runs the original but fails on the result: {ConformanceSuite.KeyPart(e.Message)}";
                }
                for (var i = 0; i < outputNames.Length; i++)
                    if (OutputComparer.AllClose(set.References[i], actual[i]) is { } difference)
                        return $"{set.Name}: output '{outputNames[i]}': {difference}";
            }
            return null;
        }
    }

    /// <summary>
    /// EDGEOPT_OPTIMIZER_CONFORMANCE_TRACE=path logs each variant before it runs: when a pass crashes the test host
    /// (a native fault in ORT, a stack overflow), the file's last lines name the model.
    /// </summary>
    private static void Trace(string line)
    {
        if (TracePath is null) return;
        lock (TraceLock) File.AppendAllText(TracePath, line + Environment.NewLine);
    }

    private static readonly string? TracePath = Environment.GetEnvironmentVariable("EDGEOPT_OPTIMIZER_CONFORMANCE_TRACE") is { Length: > 0 } p ? p : null;
    private static readonly Lock TraceLock = new();

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private sealed record DataSet(string Name, Dictionary<string, OrtValue?> Inputs, List<OnnxDataValue> References);
}
