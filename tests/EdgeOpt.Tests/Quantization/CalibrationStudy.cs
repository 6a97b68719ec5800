using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Quantization;

/// <summary>How close an INT8 model stays to FP32 on held-out inputs, and what the calibration cost.</summary>
/// <param name="MeanCosine">Cosine similarity to FP32 per held-out input (averaged over the model's outputs), averaged.</param>
/// <param name="Top1Agreement">Share of inputs whose argmax over the first output matches FP32's.</param>
/// <param name="CalibrationSeconds">ONNX Runtime and statistics time of calibration.</param>
/// <param name="QuantizeSeconds">Wall time of the whole quantization (optimize, equalize, calibrate, bias correction, rewrite).</param>
internal sealed record StudyScore(double MeanCosine, double Top1Agreement, double CalibrationSeconds, double QuantizeSeconds, QuantizationResult Result);

/// <summary>
/// Quantizes one float model with given options and scores it against FP32 on held-out inputs, both run by ONNX
/// Runtime as deployed (all graph optimizations, so INT8 runs fused integer kernels). Shared by the calibration tests
/// and the <c>calibration-methods</c> benchmark.
/// </summary>
internal sealed class CalibrationStudy(Model original, ISampleSource calibration, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> heldOut)
{
    private readonly IReadOnlyList<float[][]> _reference = Outputs(original, heldOut);

    public Model Original => original;

    public IReadOnlyList<IReadOnlyDictionary<string, Tensor>> HeldOut => heldOut;

    /// <summary>Quantizes and scores; the caller disposes <see cref="StudyScore.Result"/>.</summary>
    public StudyScore Run(QuantizerOptions options)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = new Quantizer(options).Quantize(original, calibration);
        var quantizeTime = clock.Elapsed.TotalSeconds;
        var calibrationTime = result.Calibration is { } c ? (c.InferenceTime + c.StatisticsTime).TotalSeconds : 0;
        var actual = Outputs(result.Model, heldOut);
        double cosine = 0;
        var agree = 0;
        for (var i = 0; i < actual.Count; i++)
        {
            cosine += _reference[i].Zip(actual[i], Cosine).Average();
            if (ArgMax(_reference[i][0]) == ArgMax(actual[i][0])) agree++;
        }
        return new StudyScore(cosine / actual.Count, (double)agree / actual.Count, calibrationTime, quantizeTime, result);
    }

    /// <summary>Every output of <paramref name="model"/> (in declared order) for each input, run by ORT as deployed.</summary>
    public static IReadOnlyList<float[][]> Outputs(Model model, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> inputs)
    {
        using var session = SessionFactory.Create(model, new SessionSettings { Optimization = GraphOptimization.All });
        var names = session.OutputMetadata.Keys.ToArray();
        var results = new List<float[][]>(inputs.Count);
        foreach (var sample in inputs)
        {
            var inputNames = sample.Keys.ToArray();
            var values = inputNames.Select(n => OrtTensors.ToOrtValue(sample[n])).ToList();
            try
            {
                using var runOptions = new RunOptions();
                using var outputs = session.Run(runOptions, inputNames, values, names);
                results.Add(names.Select((n, k) => OrtTensors.ToTensor(outputs[k], n).ToSingleArray()).ToArray());
            }
            finally
            {
                foreach (var v in values) v.Dispose();
            }
        }
        return results;
    }

    /// <summary>Cosine similarity; NaN anywhere or a length mismatch fails instead of being skipped.</summary>
    public static double Cosine(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length) throw new InvalidOperationException($"output lengths differ: {expected.Length} vs {actual.Length}");
        double dot = 0, ee = 0, aa = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            dot += (double)expected[i] * actual[i];
            ee += (double)expected[i] * expected[i];
            aa += (double)actual[i] * actual[i];
        }
        var cosine = ee == 0 && aa == 0 ? 1 : dot / Math.Sqrt(ee * aa);
        if (double.IsNaN(cosine)) throw new InvalidOperationException("cosine is NaN (non-finite outputs)");
        return cosine;
    }

    private static int ArgMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
