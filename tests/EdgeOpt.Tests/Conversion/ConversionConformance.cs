using EdgeOpt.Onnx;
using EdgeOpt.Tests.Conformance;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Tests.Conversion;

internal enum ConversionOutcome
{
    /// <summary>Converted; reproduces the expected outputs (or ORT's own output of the original where ORT deviates).</summary>
    Pass,

    /// <summary>ORT cannot run the original (opset 1-6); the converted model runs and reproduces the expected outputs.</summary>
    PassNewlyRunnable,

    /// <summary>The converter refused with its clear error.</summary>
    Refused,

    /// <summary>Nothing to verify against: ORT runs neither model, the inputs cannot be fed, or the op is random.</summary>
    Skip,

    Fail,
}

internal sealed record ConversionResult(string Suite, string Model, long SourceOpset, ConversionOutcome Outcome, string Reason = "", int NodesChanged = 0)
{
    public override string ToString() => $"{Suite}/{Model} (opset {SourceOpset}): {Outcome}{(Reason.Length > 0 ? " — " + Reason : "")}";
}

/// <summary>
/// Converts one conformance model to a target opset and checks the result in ONNX Runtime against the case's
/// output_*.pb (rtol 1e-3, atol 1e-7, as the ONNX runner), falling back to ORT's output for the original model
/// where ORT itself deviates from the reference.
/// </summary>
internal static class ConversionConformance
{
    public static ConversionResult? Run(string suite, string directory, int target)
    {
        var name = Path.GetFileName(directory);
        var modelPath = Path.Combine(directory, "model.onnx");
        using var model = Model.Load(modelPath);
        if (model.GetOpset() is not { } source || source >= target) return null;
        var nodesChanged = 0;
        ConversionResult Result(ConversionOutcome outcome, string reason = "") => new(suite, name, source, outcome, reason, nodesChanged);

        using var options = ConformanceSuite.SessionOptionsForDeterminism();
        var dataSets = Directory.EnumerateDirectories(directory, "test_data_set_*").Order(StringComparer.Ordinal).ToList();
        var outputNames = model.Graph.Outputs.Select(o => o.Name).ToArray();

        // What ORT makes of the original, where it can run it.
        List<List<OnnxDataValue>>? fromOriginal = null;
        try
        {
            using var session = new InferenceSession(modelPath, options);
            fromOriginal = [];
            foreach (var set in dataSets)
            {
                var (inputs, _, unsupported) = ConformanceSuite.LoadDataSet(set, model.Graph);
                if (unsupported is not null) return Result(ConversionOutcome.Skip, unsupported);
                using (new Disposer(inputs)) fromOriginal.Add(ConformanceSuite.Execute(session, inputs, outputNames));
            }
        }
        catch (OnnxRuntimeException)
        {
            fromOriginal = null;
        }

        var converted = model.Clone();
        try
        {
            nodesChanged = OpsetConverter.Convert(converted, target).NodesChanged;
        }
        catch (UnsupportedOperatorException e)
        {
            return Result(ConversionOutcome.Refused, e.Message);
        }

        InferenceSession convertedSession;
        try
        {
            convertedSession = new InferenceSession(converted.ToBytes(), options);
        }
        catch (OnnxRuntimeException e)
        {
            return fromOriginal is null
                ? Result(ConversionOutcome.Skip, $"ORT runs neither the original nor the converted model: {ConformanceSuite.KeyPart(e.Message)}")
                : Result(ConversionOutcome.Fail, $"ORT rejects the converted model: {ConformanceSuite.KeyPart(e.Message)}");
        }
        using (convertedSession)
        {
            for (var s = 0; s < dataSets.Count; s++)
            {
                var (inputs, expected, unsupported) = ConformanceSuite.LoadDataSet(dataSets[s], model.Graph);
                if (unsupported is not null) return Result(ConversionOutcome.Skip, unsupported);
                using var _ = new Disposer(inputs);
                List<OnnxDataValue> actual;
                try
                {
                    actual = ConformanceSuite.Execute(convertedSession, inputs, outputNames);
                }
                catch (Exception e) when (e is OnnxRuntimeException or UnsupportedOperatorException)
                {
                    return fromOriginal is null
                        ? Result(ConversionOutcome.Skip, $"ORT cannot run the converted model (nor the original): {ConformanceSuite.KeyPart(e.Message)}")
                        : Result(ConversionOutcome.Fail, $"ORT fails on the converted model: {ConformanceSuite.KeyPart(e.Message)}");
                }
                for (var j = 0; j < expected.Count; j++)
                {
                    if (OutputComparer.AllClose(expected[j], actual[j]) is not { } difference) continue;
                    if (fromOriginal is not null)
                    {
                        if (OutputComparer.AllClose(fromOriginal[s][j], actual[j]) is null) continue;
                        // Random only if the ORIGINAL does not reproduce itself: rerunning the converted model would
                        // call a wrong conversion "random" wherever ORT deviates from the reference on the original.
                        if (OutputComparer.AllClose(expected[j], fromOriginal[s][j]) is not null &&
                            OutputComparer.Bitwise(fromOriginal[s][j], RerunOriginal(modelPath, options, inputs, outputNames)[j]) is not null)
                            return Result(ConversionOutcome.Skip, $"output '{outputNames[j]}' is random");
                    }
                    return Result(ConversionOutcome.Fail, $"{Path.GetFileName(dataSets[s])} output '{outputNames[j]}': {difference}");
                }
            }
        }
        return Result(fromOriginal is null ? ConversionOutcome.PassNewlyRunnable : ConversionOutcome.Pass);
    }

    private static List<OnnxDataValue> RerunOriginal(string modelPath, SessionOptions options, Dictionary<string, OrtValue?> inputs, string[] outputNames)
    {
        using var session = new InferenceSession(modelPath, options);
        return ConformanceSuite.Execute(session, inputs, outputNames);
    }

    private sealed class Disposer(Dictionary<string, OrtValue?> values) : IDisposable
    {
        public void Dispose()
        {
            foreach (var v in values.Values) v?.Dispose();
        }
    }
}
