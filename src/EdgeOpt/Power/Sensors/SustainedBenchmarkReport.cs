using EdgeOpt.Runtime;

namespace EdgeOpt.Power.Sensors;

/// <summary>
/// The result of <see cref="SustainedBenchmark.Run"/>: the setting, each window, and overall the latency drift (last
/// window's median / first's), whether throttling is suspected and why, what power was measured with
/// (<see cref="PowerSource"/>, null when nothing measures it here) and each sensor kind's status
/// (<c>measured: …</c> or <c>not available: …</c>).
/// </summary>
public sealed record SustainedBenchmarkReport(
    HostDescription MeasuredOn,
    string Model,
    string ExecutionProvider,
    GraphOptimization Optimization,
    int Threads,
    int Batch,
    string Inputs,
    int Warmup,
    double DurationSeconds,
    double SessionCreationMs,
    double FirstInferenceMs,
    IReadOnlyList<SustainedWindow> Windows,
    long Inferences,
    double LatencyDrift,
    double DriftThreshold,
    bool ThrottlingSuspected,
    string ThrottlingReason,
    string? PowerSource,
    IReadOnlyList<SensorStatus> Sensors);
