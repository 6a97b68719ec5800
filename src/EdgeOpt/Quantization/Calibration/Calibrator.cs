using System.Diagnostics;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;

namespace EdgeOpt.Quantization.Calibration;

/// <summary>
/// Finds the float range of activations by running calibration samples through ONNX Runtime.
/// <para>
/// The requested values become extra outputs of a copy of the model (the model itself is not changed) and samples
/// run one at a time; each activation is folded into a running min/max or a fixed-size histogram and dropped, so
/// memory is bounded by tensors × bins however many samples there are. Percentile and Entropy enumerate
/// <c>samples</c> twice: a MinMax pass fixes each histogram's range, a second pass fills it. Auto needs one pass:
/// its histograms double their range (merging bins pairwise) when a sample exceeds it.
/// </para>
/// <code>
/// var result = Calibrator.Calibrate(model, samples, new CalibrationOptions { Method = CalibrationMethod.Entropy });
/// var range = result.Ranges["conv1_out"];
/// </code>
/// </summary>
public static class Calibrator
{
    /// <summary>Calibrates <paramref name="model"/> on <paramref name="samples"/> (each: input name → tensor).</summary>
    /// <exception cref="UsageException">
    /// No samples, an option out of range, a requested tensor the model lacks or that is not float, or a sample that
    /// misses or misnames an input.
    /// </exception>
    public static CalibrationResult Calibrate(Model model, IEnumerable<IReadOnlyDictionary<string, Tensor>> samples, CalibrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        options ??= CalibrationOptions.Default;
        ThrowHelper.IfInvalid(options.Validate());

        using var runner = new ActivationRunner(model, options.Tensors);
        var inference = new Stopwatch();
        var statistics = new Stopwatch();
        var tensors = runner.Tensors;

        var movingAverage = options is { Method: CalibrationMethod.MinMax, MovingAverage: true };
        var minMax = tensors.Select(_ => new MinMaxCollector(movingAverage, options.MovingAverageConstant)).ToArray();
        var methods = new string[tensors.Count];
        TensorRange[] ranges;
        int count;
        if (options.Method == CalibrationMethod.Auto)
        {
            // One pass: the histograms widen themselves, so no MinMax pass has to fix their range first.
            var histograms = tensors.Select(_ => new SignedHistogram(options.Bins)).ToArray();
            // The histogram keeps the exact extremes too (the MinMax candidate), from the same vectorized scan.
            count = Pass(runner, samples, (t, values) => histograms[t].Add(values), inference, statistics);
            CheckNotEmpty(count);
            statistics.Start();
            ranges = new TensorRange[tensors.Count];
            Parallel.For(0, tensors.Count, t =>
            {
                var chosen = AutoRange.Choose(histograms[t], histograms[t].Range, options.ActivationType, options.SymmetricActivations);
                ranges[t] = chosen.Range;
                methods[t] = chosen.Method;
            });
            statistics.Stop();
        }
        else
        {
            count = Pass(runner, samples, (t, values) => minMax[t].Add(values), inference, statistics);
            CheckNotEmpty(count);
            var name = options.Method switch
            {
                CalibrationMethod.MinMax => "minmax",
                CalibrationMethod.Percentile => FormattableString.Invariant($"percentile-{options.Percentile}"),
                _ => "entropy",
            };
            Array.Fill(methods, name);
            if (options.Method == CalibrationMethod.MinMax)
            {
                ranges = minMax.Select(m => m.Range).ToArray();
            }
            else
            {
                var entropy = options.Method == CalibrationMethod.Entropy;
                var histograms = minMax.Select(m => entropy
                    ? new HistogramCollector(0, m.MaxMagnitude, options.Bins, magnitudes: true)
                    : new HistogramCollector(m.Range.Min, m.Range.Max, options.Bins, magnitudes: false)).ToArray();
                Pass(runner, samples, (t, values) => histograms[t].Add(values), inference, statistics);
                statistics.Start();
                ranges = new TensorRange[tensors.Count];
                // The entropy search costs about bins² per tensor and tensors are independent, so it uses every core.
                Parallel.For(0, tensors.Count, t => ranges[t] = entropy
                    ? EntropyRange.Choose(histograms[t], minMax[t].Range)
                    : PercentileRange.Choose(histograms[t], options.Percentile));
                statistics.Stop();
            }
        }

        var result = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        var chosenMethods = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var t = 0; t < tensors.Count; t++)
        {
            result[tensors[t]] = ranges[t];
            chosenMethods[tensors[t]] = methods[t];
        }
        return new CalibrationResult(result, count, options.Method, inference.Elapsed, statistics.Elapsed) { RangeMethods = chosenMethods };
    }

    private static void CheckNotEmpty(int count)
    {
        if (count == 0) ThrowHelper.Usage("calibration data is empty: at least one sample is needed");
    }

    private static int Pass(ActivationRunner runner, IEnumerable<IReadOnlyDictionary<string, Tensor>> samples, ActivationObserver observe,
        Stopwatch inference, Stopwatch statistics)
    {
        var count = 0;
        foreach (var sample in samples) runner.Run(sample, count++, observe, inference, statistics);
        return count;
    }
}
