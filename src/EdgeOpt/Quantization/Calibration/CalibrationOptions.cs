namespace EdgeOpt.Quantization.Calibration;

/// <summary>What <see cref="Calibrator"/> observes and how it chooses ranges.</summary>
public sealed record CalibrationOptions
{
    /// <summary>The defaults: MinMax over every float activation.</summary>
    public static CalibrationOptions Default { get; } = new();

    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the share of observations kept, in (0, 100] (checked whatever the method); half the rest is cut from each end.</summary>
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

    /// <summary>Every problem with these options, all at once (empty: they can work); <see cref="Calibrator"/> refuses through it.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (!Enum.IsDefined(Method))
            problems.Add(new($"{{0}} {(int)Method}: unknown calibration method; expected MinMax, Percentile, Entropy or Auto", Name(nameof(Method))));
        if (PercentileProblem(Percentile, Name(nameof(Percentile))) is { } percentile) problems.Add(percentile);
        if (MovingAverage && !(MovingAverageConstant is > 0 and <= 1))
            problems.Add(new(FormattableString.Invariant($"{{0}}: the moving average constant must be in (0, 1], not {MovingAverageConstant}"), Name(nameof(MovingAverageConstant))));
        var minimumBins = Method is CalibrationMethod.Entropy or CalibrationMethod.Auto ? EntropyRange.QuantizedLevels : 1;
        if (Bins < minimumBins || Bins > 1 << 20)
            problems.Add(new($"{{0}}: calibration histogram bins must be {minimumBins} to {1 << 20} for {Method}, not {Bins}", Name(nameof(Bins))));
        return problems;

        static string Name(string member) => $"{nameof(CalibrationOptions)}.{member}";
    }

    /// <summary>
    /// The one percentile rule, for this record and <see cref="QuantizerOptions.Percentile"/> (named by <paramref name="option"/>):
    /// in (0, 100] whatever the method, so a bad value is caught even before <see cref="CalibrationMethod.Percentile"/> is chosen.
    /// </summary>
    internal static OptionProblem? PercentileProblem(double percentile, string option) =>
        percentile is > 0 and <= 100 ? null
            : new(FormattableString.Invariant($"{{0}} {percentile}: expected a value in (0, 100]"), option);
}
