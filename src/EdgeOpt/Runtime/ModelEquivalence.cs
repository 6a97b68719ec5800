using EdgeOpt.Data;
using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Runtime;

/// <summary>How close one output of a transformed model is to the original's, over all compared samples.</summary>
/// <param name="Name">Output name.</param>
/// <param name="MaxAbsError">Largest absolute difference of any element.</param>
/// <param name="MaxRelativeError">Largest absolute difference divided by the reference output's largest magnitude.</param>
/// <param name="Cosine">Smallest cosine similarity between flattened outputs (1 = same direction).</param>
/// <param name="SqnrDb">Signal-to-quantization-noise ratio in dB (infinity when identical).</param>
/// <param name="Top1Agreement">Fraction of rows whose argmax over the last axis agrees (classifier outputs).</param>
public sealed record OutputFidelity(string Name, double MaxAbsError, double MaxRelativeError, double Cosine, double SqnrDb, double Top1Agreement);

/// <summary>The comparison of every output of two models on the same inputs.</summary>
public sealed record EquivalenceReport(IReadOnlyList<OutputFidelity> Outputs, int Samples)
{
    public double MaxAbsError => Outputs.Count == 0 ? 0 : Outputs.Max(o => o.MaxAbsError);
    public double MaxRelativeError => Outputs.Count == 0 ? 0 : Outputs.Max(o => o.MaxRelativeError);

    /// <summary>Whether every output is within <paramref name="relativeTolerance"/> of the reference's largest magnitude.</summary>
    public bool IsWithin(double relativeTolerance) => Outputs.All(o => o.MaxRelativeError <= relativeTolerance);
}

/// <summary>
/// Verifies transforms numerically: runs the original and the transformed model in ONNX Runtime on the same inputs
/// and compares outputs by name. ORT's own graph optimizations are off by default, so the comparison measures our
/// transform rather than ORT's rewrites.
/// </summary>
public static class ModelEquivalence
{
    /// <summary>Compares on <paramref name="samples"/> random input sets (see <see cref="InputGenerator"/>).</summary>
    public static EquivalenceReport Compare(Model reference, Model candidate, int samples = 8, int seed = 0,
        IReadOnlyDictionary<string, long>? dims = null, SessionSettings? settings = null) =>
        Compare(reference, candidate, Enumerable.Range(0, samples).Select(i => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(reference, seed + i, dims)).ToList(), settings);

    /// <summary>Compares on the given input sets (input name → tensor).</summary>
    public static EquivalenceReport Compare(Model reference, Model candidate, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> inputs, SessionSettings? settings = null)
    {
        settings ??= new SessionSettings { Optimization = GraphOptimization.None, IntraOpThreads = 1 };
        using var a = SessionFactory.Create(reference, settings);
        using var b = SessionFactory.Create(candidate, settings);
        return Compare(a, b, inputs);
    }

    /// <summary>
    /// Compares two model files (.onnx, or ONNX Runtime's .ort format, which only a file session reads) on the given input
    /// sets; the candidate runs with its own saved optimizations replayed, as a device would load it.
    /// </summary>
    public static EquivalenceReport CompareFiles(string referencePath, string candidatePath, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> inputs)
    {
        using var a = SessionFactory.Create(referencePath, new SessionSettings { Optimization = GraphOptimization.None, IntraOpThreads = 1 });
        using var b = SessionFactory.Create(candidatePath, new SessionSettings { IntraOpThreads = 1 });
        return Compare(a, b, inputs);
    }

    private static EquivalenceReport Compare(InferenceSession a, InferenceSession b, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> inputs)
    {
        try
        {
            return CompareRuns(a, b, inputs);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgeOptException($"ONNX Runtime failed to run the model: {e.Message.ReplaceLineEndings(" ").Trim()}", e);
        }
    }

    private static EquivalenceReport CompareRuns(InferenceSession a, InferenceSession b, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> inputs)
    {
        var names = a.OutputMetadata.Keys.ToList();
        var acc = names.ToDictionary(n => n, _ => new FidelityAccumulator(), StringComparer.Ordinal);
        foreach (var sample in inputs)
        {
            var ra = Run(a, sample);
            var rb = Run(b, sample);
            for (var i = 0; i < names.Count; i++)
            {
                var expected = ra[names[i]];
                var actual = rb.TryGetValue(names[i], out var byName) ? byName
                    : i < rb.Count ? rb.Values.ElementAt(i)
                    : throw new EdgeOptException($"the transformed model has no output '{names[i]}'");
                acc[names[i]].Add(names[i], expected, actual);
            }
        }
        return new EquivalenceReport(names.Select(n => acc[n].Result(n)).ToList(), inputs.Count);
    }

    private static Dictionary<string, Tensor> Run(InferenceSession session, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var names = session.InputMetadata.Keys.Where(inputs.ContainsKey).ToList();
        var values = names.Select(n => OrtTensors.ToOrtValue(inputs[n])).ToList();
        try
        {
            using var runOptions = new RunOptions();
            var outputNames = session.OutputMetadata.Keys.ToList();
            using var outputs = session.Run(runOptions, names, values, outputNames);
            return outputNames.Select((n, i) => (n, t: OrtTensors.ToTensor(outputs[i], n))).ToDictionary(x => x.n, x => x.t, StringComparer.Ordinal);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }
}
