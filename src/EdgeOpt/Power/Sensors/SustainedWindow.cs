namespace EdgeOpt.Power.Sensors;

/// <summary>
/// One window of a sustained run: when it started (seconds after warmup), how long it lasted, the inferences in it and
/// their median latency. Where sensors exist: average power, energy per inference (energy over the window / its
/// inferences), the hottest thermal zone, and the fastest CPU's frequency averaged over the window; null where not.
/// <paramref name="Throttling"/>: why the sensors suggested throttling during it, else null.
/// </summary>
public sealed record SustainedWindow(int Index, double StartSeconds, double Seconds, int Inferences, double MedianMs, double? PowerWatts,
    double? EnergyPerInferenceJoules, double? MaxTemperatureCelsius, double? CpuFrequencyMHz, string? Throttling);
