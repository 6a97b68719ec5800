using System.Text.RegularExpressions;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Tests.Conformance;

/// <summary>
/// Runs one ONNX conformance case (a folder with model.onnx and test_data_set_*): (a) load → save → load must be
/// semantically identical and save → load → save byte-identical; (b) where ONNX Runtime runs the original, the saved
/// model must give bitwise the same outputs, and the original must match the expected outputs within the suite's
/// tolerances (otherwise ORT itself deviates and the case is skipped, never failed).
/// </summary>
internal static partial class ConformanceSuite
{
    /// <summary>The suite folders this proof covers (data/real needs downloads and is out of scope).</summary>
    public static readonly string[] Folders = ["node", "pytorch-converted", "pytorch-operator", "simple"];

    public static IEnumerable<(string Suite, string Directory)> Cases(string root) =>
        from suite in Folders
        from dir in Directory.EnumerateDirectories(Path.Combine(root, suite)).Order(StringComparer.Ordinal)
        where File.Exists(Path.Combine(dir, "model.onnx"))
        select (suite, dir);

    public static ConformanceResult Run(string suite, string directory)
    {
        var name = Path.GetFileName(directory);
        var modelPath = Path.Combine(directory, "model.onnx");
        Model original;
        byte[] saved;
        try
        {
            original = Model.Load(modelPath);
        }
        catch (Exception e) when (e is EdgeOptException or IOException)
        {
            return ConformanceResult.Fail(suite, name, $"load: {e.Message}");
        }
        using (original)
        {
            try
            {
                saved = original.ToBytes();
                using var reloaded = Model.Parse(saved);
                var differences = ModelComparer.Compare(original, reloaded);
                if (differences.Count > 0)
                    return ConformanceResult.Fail(suite, name, "round trip differs: " + string.Join("; ", differences));
                if (!reloaded.ToBytes().AsSpan().SequenceEqual(saved))
                    return ConformanceResult.Fail(suite, name, "save → load → save is not byte-identical");
            }
            catch (Exception e) when (e is EdgeOptException or IOException or InvalidOperationException)
            {
                return ConformanceResult.Fail(suite, name, $"round trip: {e.GetType().Name}: {e.Message}");
            }
            return RunWithOrt(suite, name, directory, modelPath, original, saved);
        }
    }

    private static ConformanceResult RunWithOrt(string suite, string name, string directory, string modelPath, Model model, byte[] saved)
    {
        using var options = SessionOptionsForDeterminism();
        InferenceSession originalSession;
        try
        {
            originalSession = new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            return ConformanceResult.Skip(suite, name, $"ORT cannot create a session{OpsOf(model, e.Message)}: {KeyPart(e.Message)}");
        }
        using (originalSession)
        {
            InferenceSession savedSession;
            try
            {
                savedSession = new InferenceSession(saved, options);
            }
            catch (OnnxRuntimeException e)
            {
                return ConformanceResult.Fail(suite, name, $"ORT runs the original but not the saved model: {KeyPart(e.Message)}");
            }
            using (savedSession)
            {
                // Both sessions load; outputs of a random op cannot be compared (two runs may even agree by chance).
                if (RandomOpOf(model) is { } random)
                    return ConformanceResult.Skip(suite, name, $"random op {random}: its outputs differ from run to run");
                string? deviation = null;
                foreach (var dataSet in Directory.EnumerateDirectories(directory, "test_data_set_*").Order(StringComparer.Ordinal))
                {
                    var set = Path.GetFileName(dataSet);
                    var (inputs, expected, unsupported) = LoadDataSet(dataSet, model.Graph);
                    if (unsupported is not null) return ConformanceResult.Skip(suite, name, $"{set}: {unsupported}");
                    try
                    {
                        var outputNames = model.Graph.Outputs.Select(o => o.Name).ToArray();
                        IReadOnlyList<OnnxDataValue> fromOriginal, fromSaved;
                        try
                        {
                            fromOriginal = Execute(originalSession, inputs, outputNames);
                        }
                        catch (Exception e) when (e is OnnxRuntimeException or UnsupportedOperatorException)
                        {
                            return ConformanceResult.Skip(suite, name, $"ORT cannot run the original{OpsOf(model, e.Message)}: {KeyPart(e.Message)}");
                        }
                        try
                        {
                            fromSaved = Execute(savedSession, inputs, outputNames);
                        }
                        catch (Exception e) when (e is OnnxRuntimeException or UnsupportedOperatorException)
                        {
                            return ConformanceResult.Fail(suite, name, $"{set}: ORT runs the original but fails on the saved model: {KeyPart(e.Message)}");
                        }
                        for (var i = 0; i < outputNames.Length; i++)
                        {
                            if (OutputComparer.Bitwise(fromOriginal[i], fromSaved[i]) is not { } difference) continue;
                            // Random ops (unseeded RandomNormal, Bernoulli...) differ run to run: tell them apart from our bugs.
                            var again = Execute(originalSession, inputs, outputNames);
                            if (OutputComparer.Bitwise(fromOriginal[i], again[i]) is null)
                                return ConformanceResult.Fail(suite, name, $"{set}: output '{outputNames[i]}' of the saved model differs from the original's: {difference}");
                            deviation ??= $"ORT output '{outputNames[i]}' is random (differs between two runs of the original){OpsOf(model, "")}";
                        }
                        for (var i = 0; i < expected.Count && deviation is null; i++)
                            if (OutputComparer.AllClose(expected[i], fromOriginal[i]) is { } d)
                                deviation = $"ORT deviates on original{OpsOf(model, "")}: {set} output '{outputNames[i]}': {d}";
                    }
                    finally
                    {
                        foreach (var v in inputs.Values) v?.Dispose();
                    }
                }
                return deviation is null ? ConformanceResult.Pass(suite, name) : ConformanceResult.Skip(suite, name, deviation);
            }
        }
    }

    private static readonly HashSet<string> RandomOps =
        new(["Bernoulli", "Multinomial", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike"], StringComparer.Ordinal);

    /// <summary>
    /// The first op of <paramref name="model"/> (any graph or local function) whose outputs are random, or null.
    /// Decided by op type, not by running twice: Bernoulli over a few near-0/1 probabilities can repeat by chance,
    /// which would make a model judged on some runs and not on others.
    /// </summary>
    internal static string? RandomOpOf(Model model) =>
        model.Graph.AllNodes().Concat(model.Functions.SelectMany(f => f.Body.AllNodes()))
            .Select(n => n.OpType).FirstOrDefault(RandomOps.Contains);

    internal static SessionOptions SessionOptionsForDeterminism() => new()
    {
        // One thread: reductions then add up in a fixed order, so original and saved runs are comparable bitwise.
        IntraOpNumThreads = 1,
        InterOpNumThreads = 1,
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
    };

    /// <summary>input_i.pb feeds graph input i (as the ONNX runner does); output_j.pb is graph output j.</summary>
    internal static (Dictionary<string, OrtValue?> Inputs, List<OnnxDataValue> Expected, string? Unsupported) LoadDataSet(string dataSet, Graph graph)
    {
        var inputs = new Dictionary<string, OrtValue?>(StringComparer.Ordinal);
        var expected = new List<OnnxDataValue>();
        for (var i = 0; File.Exists(Path.Combine(dataSet, $"input_{i}.pb")); i++)
        {
            var input = graph.Inputs[i];
            var value = AsDeclared(OnnxTensorFile.LoadValue(Path.Combine(dataSet, $"input_{i}.pb"), input.Type), input.Type);
            if (value.Kind == OnnxDataKind.Optional && !value.HasValue)
            {
                inputs[input.Name] = null; // an empty optional input is left unfed
                continue;
            }
            try
            {
                inputs[input.Name] = OrtTensors.ToOrtValue(value);
            }
            catch (UnsupportedOperatorException e)
            {
                foreach (var v in inputs.Values) v?.Dispose();
                return (inputs, expected, $"input '{input.Name}' cannot be given to ORT: {e.Message}");
            }
        }
        for (var j = 0; File.Exists(Path.Combine(dataSet, $"output_{j}.pb")); j++)
            expected.Add(AsDeclared(OnnxTensorFile.LoadValue(Path.Combine(dataSet, $"output_{j}.pb"), graph.Outputs[j].Type), graph.Outputs[j].Type));
        return (inputs, expected, null);
    }

    /// <summary>
    /// ONNX 1.12 wrote bfloat16 test data as uint16 tensors holding the bfloat16 bits (numpy has no bfloat16);
    /// the model's declared type says how to read them, so they are relabelled, bits untouched.
    /// </summary>
    private static OnnxDataValue AsDeclared(OnnxDataValue value, OnnxType? declared) =>
        value.Tensor is { DataType: DataType.UInt16 } t && declared is TensorType { ElementType: DataType.BFloat16 }
            ? OnnxDataValue.FromTensor(Tensor.FromRaw(t.Name, DataType.BFloat16, t.Dims, t.RawMemory))
            : value;

    internal static List<OnnxDataValue> Execute(InferenceSession session, Dictionary<string, OrtValue?> inputs, string[] outputNames)
    {
        var fed = inputs.Where(kv => kv.Value is not null).ToArray();
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, fed.Select(kv => kv.Key).ToArray(), fed.Select(kv => kv.Value!).ToArray(), outputNames);
        return outputs.Select((o, i) => OrtTensors.ToDataValue(o, outputNames[i])).ToList();
    }

    /// <summary>The op named in an ORT message, else the model's operator types (node tests have one or two).</summary>
    internal static string OpsOf(Model model, string message)
    {
        if (ImplementationFor().Match(message) is { Success: true } m) return $" (op {m.Groups[1].Value}, opset {m.Groups[2].Value})";
        var ops = model.Graph.AllNodes().Select(n => n.OpType).Distinct().Take(4).ToArray();
        return ops.Length == 0 ? "" : $" (ops {string.Join(", ", ops)})";
    }

    /// <summary>ORT messages start with "[ErrorCode:X] ..." and sometimes carry a long path; keep the useful part.</summary>
    internal static string KeyPart(string message)
    {
        var s = ErrorCodePrefix().Replace(message, "").Trim();
        s = SourceLocation().Replace(s, "");
        s = s.Replace(Environment.NewLine, " ", StringComparison.Ordinal).Replace('\n', ' ');
        return s.Length <= 200 ? s : s[..200] + "…";
    }

    [GeneratedRegex(@"implementation for (\w+)\((\d+)\)")]
    private static partial Regex ImplementationFor();

    [GeneratedRegex(@"^\[ErrorCode:\w+\]\s*")]
    private static partial Regex ErrorCodePrefix();

    /// <summary>"Load model from /path failed:", "/onnxruntime_src/file.cc:12 onnxruntime::Class::Method(args) [with T = float]".</summary>
    [GeneratedRegex(@"Load model from \S+ failed:|/onnxruntime_src/\S+:\d+\s+(\S*onnxruntime::[^(]*\([^)]*\)(::<lambda\(\)>)?(\s*\[with [^\]]*\])?\s*)?")]
    private static partial Regex SourceLocation();
}
