namespace EdgeOpt.Analysis;

/// <summary>Options for <see cref="HostCalibrator.GetOrRun"/>.</summary>
public sealed record HostCalibrationOptions
{
    public static HostCalibrationOptions Default { get; } = new();

    /// <summary>Measure again even when a calibration for this host is cached (and replace the cached one).</summary>
    public bool Recalibrate { get; init; }

    /// <summary>
    /// Folder of the cache file; null uses <c>$XDG_CACHE_HOME/edgeopt</c>, else <c>~/.cache/edgeopt</c>. The folder is
    /// created when missing; only the calibration file (and its temp sibling while writing) is ever written there.
    /// </summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Thread counts to calibrate; null: 1 and ONNX Runtime's default (one per physical core).</summary>
    public IReadOnlyList<int>? Threads { get; init; }

    /// <summary>Time spent timing each kernel at each thread count (session creation and warm-up not counted).</summary>
    public TimeSpan TimePerKernel { get; init; } = TimeSpan.FromMilliseconds(60);

    /// <summary>Every problem with these options (empty: they can work).</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (TimePerKernel <= TimeSpan.Zero || TimePerKernel > TimeSpan.FromSeconds(10))
            problems.Add(new($"{{0}} must be more than 0 and at most 10 s, got {TimePerKernel.TotalMilliseconds} ms", $"{nameof(HostCalibrationOptions)}.{nameof(TimePerKernel)}"));
        if (Threads is { } threads && (threads.Count == 0 || threads.Any(t => t < 1)))
            problems.Add(new("{0} must list thread counts of 1 or more", $"{nameof(HostCalibrationOptions)}.{nameof(Threads)}"));
        if (CacheDirectory is { Length: 0 })
            problems.Add(new("{0} is empty: give a folder or leave it null for the default", $"{nameof(HostCalibrationOptions)}.{nameof(CacheDirectory)}"));
        return problems;
    }
}
