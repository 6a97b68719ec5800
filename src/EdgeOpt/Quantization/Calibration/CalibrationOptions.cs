namespace EdgeOpt.Quantization.Calibration;

/// <summary>What <see cref="Calibrator"/> observes and how it chooses ranges.</summary>
public sealed record CalibrationOptions
{
    /// <summary>The defaults: MinMax over every float activation.</summary>
    public static CalibrationOptions Default { get; } = new();

    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the share of observations kept, in (0, 100]; half the rest is cut from each end.</summary>
    public double Percentile { get; init; } = 99.999;

    /// <summary>
    /// For <see cref="CalibrationMethod.MinMax"/>: smooth the per-sample min/max with an exponential moving average
    /// instead of taking the extremes over all samples (one outlier sample then moves the range only a little).
    /// </summary>
    public bool MovingAverage { get; init; }

    /// <summary>The moving average's weight of each new sample, in (0, 1]: <c>range = range + c × (sample − range)</c>.</summary>
    public double MovingAverageConstant { get; init; } = 0.01;

    /// <summary>Value names to calibrate; <see langword="null"/> calibrates every float graph input and node output.</summary>
    public IReadOnlyCollection<string>? Tensors { get; init; }

    /// <summary>For <see cref="CalibrationMethod.Auto"/>: the integer type the ranges will be quantized to (errors are scored under it).</summary>
    public QuantizedPrecision ActivationType { get; init; } = QuantizedPrecision.UInt8;

    /// <summary>For <see cref="CalibrationMethod.Auto"/>: whether the ranges will be quantized symmetrically around zero.</summary>
    public bool SymmetricActivations { get; init; }

    /// <summary>Histogram bins per tensor for Percentile and Entropy, per sign for Auto (memory is tensors × bins); Entropy and Auto need at least 128.</summary>
    public int Bins { get; init; } = 2048;
}
