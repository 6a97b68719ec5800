namespace EdgeOpt.Devices;

/// <summary>How <see cref="HostProbe.Probe"/> examines this machine.</summary>
public sealed record HostProbeOptions
{
    public static HostProbeOptions Default { get; } = new();

    /// <summary>
    /// Run the micro-benchmarks (FP32 and INT8 multiply-accumulate on every core, streaming memory read).
    /// Off: only what the OS and CPU report, in milliseconds.
    /// </summary>
    public bool MeasurePeaks { get; init; } = true;

    /// <summary>How long each micro-benchmark kernel runs (after a short warm-up); must be positive.</summary>
    public TimeSpan MeasureTime { get; init; } = TimeSpan.FromMilliseconds(200);
}
