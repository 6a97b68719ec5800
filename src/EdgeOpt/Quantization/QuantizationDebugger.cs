using System.Diagnostics;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Quantization.Debugging;
using EdgeOpt.Runtime;

namespace EdgeOpt.Quantization;

/// <summary>
/// Measures where a static int8 quantization loses accuracy, tensor by tensor (like ONNX Runtime's
/// <c>qdq_loss_debug</c>):
/// <code>
/// using var result = new Quantizer(options).Quantize(model, calibration);
/// QuantizationDebugger.Analyze(result, testData, samples: 100).Save("errors.json");
/// </code>
/// Constants are compared with their dequantized plan values. Activations are read from the float model, exposed
/// the way calibration exposes them (so a min/max-calibrated range clips nothing on its own calibration data), and
/// from the quantized model's <c>DequantizeLinear</c> outputs, sample by sample in constant memory.
/// </summary>
public static class QuantizationDebugger
{
    /// <summary>The error of every quantized tensor of <paramref name="quantized"/>'s plan over the first <paramref name="samples"/> samples (all when null).</summary>
    /// <exception cref="InvalidOptionsException">The result is not an int8 static quantization (<see cref="QuantizerOptions.Validate"/>).</exception>
    /// <exception cref="UsageException"><paramref name="samples"/> is not positive, or the data does not fit the model.</exception>
    public static QuantizationErrorReport Analyze(QuantizationResult quantized, ISampleSource data, int? samples = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        ArgumentNullException.ThrowIfNull(data);
        ThrowHelper.IfInvalid(quantized.Options.Validate(new QuantizationWorkflow
        {
            CalibrationData = quantized.Calibration is not null,
            EvaluationData = true,
            ErrorReport = true,
        }));
        return Analyze(quantized.FloatModel, quantized.Model, quantized.Plan!, data, samples, cancellation);
    }

    /// <summary>
    /// The same for a plan applied outside <see cref="Quantizer"/> (e.g. the model an <see cref="AccuracySearch"/> chose):
    /// <paramref name="floatModel"/> is the model the plan was made for, <paramref name="quantizedModel"/> the plan applied to it.
    /// </summary>
    public static QuantizationErrorReport Analyze(Model floatModel, Model quantizedModel, QuantizationPlan plan, ISampleSource data,
        int? samples = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(floatModel);
        ArgumentNullException.ThrowIfNull(quantizedModel);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(data);
        if (samples is <= 0) ThrowHelper.Usage($"error report samples must be positive, not {samples}");
        var quantized = new Models(floatModel, quantizedModel);

        var points = ProbePoint.For(plan, floatModel, quantizedModel);
        var accumulators = points.Select(p => new TensorErrorAccumulator(p.Entry, p.Kind, p.Constant?.Dims)).ToArray();
        for (var i = 0; i < points.Count; i++)
            if (points[i].Constant is { } constant)
                accumulators[i].AddFloat(constant.ToSingleArray());

        var activations = Enumerable.Range(0, points.Count).Where(i => points[i].Constant is null).ToList();
        var count = 0;
        if (activations.Count > 0)
        {
            data.CheckFits(quantized.FloatModel);
            count = samples is { } n ? Math.Min(n, data.Count) : data.Count;
            RunActivations(quantized, data, count, points, activations, accumulators, cancellation);
        }
        return new QuantizationErrorReport { Samples = count, Tensors = accumulators.Select(a => a.Result()).ToList() };
    }

    private static void RunActivations(Models quantized, ISampleSource data, int count, List<ProbePoint> points,
        List<int> activations, TensorErrorAccumulator[] accumulators, CancellationToken cancellation)
    {
        var needed = activations.Select(i => points[i].FloatName).Distinct(StringComparer.Ordinal).ToList();
        using var floatRunner = FloatRunner(quantized, needed);
        // Runner tensor index → the points it feeds, each with its slot among the quantized model's exposed outputs.
        var slots = activations.Select(i => points[i].DequantizedName).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var feeds = new List<(int Point, int Slot)>[floatRunner.Tensors.Count];
        foreach (var i in activations)
        {
            var tensor = IndexOf(floatRunner.Tensors, points[i].FloatName);
            (feeds[tensor] ??= []).Add((i, points[i].DequantizedName is { } dq ? slots.IndexOf(dq) : -1));
        }
        using var quantizedRunner = slots.Count > 0 ? new DequantizedRunner(quantized.Model, slots) : null;

        var inference = new Stopwatch();
        var statistics = new Stopwatch();
        var index = 0;
        foreach (var sample in data.Samples(count))
        {
            cancellation.ThrowIfCancellationRequested();
            using var dequantized = quantizedRunner?.Run(sample, index);
            floatRunner.Run(sample, index, (tensor, values) =>
            {
                if (feeds[tensor] is not { } targets) return;
                foreach (var (point, slot) in targets)
                {
                    accumulators[point].AddFloat(values);
                    if (slot >= 0) accumulators[point].AddPair(values, dequantized![slot].GetTensorDataAsSpan<float>());
                }
            }, inference, statistics);
            index++;
        }
    }

    /// <summary>
    /// A runner exposing what calibration exposed (every float activation), so the values match the calibrated ranges
    /// bit for bit; just the needed tensors when calibration could not have seen one of them (a plan given by hand).
    /// </summary>
    private static ActivationRunner FloatRunner(Models quantized, List<string> needed)
    {
        var runner = new ActivationRunner(quantized.FloatModel, null);
        if (needed.All(runner.Tensors.Contains)) return runner;
        runner.Dispose();
        return new ActivationRunner(quantized.FloatModel, needed);
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }

    /// <summary>The float model and its quantized counterpart, analysed together.</summary>
    private sealed record Models(Model FloatModel, Model Model);
}
