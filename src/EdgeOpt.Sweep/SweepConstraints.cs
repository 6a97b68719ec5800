namespace EdgeOpt.Sweep;

/// <summary>What every chosen variant must meet on its device (all optional; all estimated on the target).</summary>
/// <param name="TargetLatencyMs">Largest estimated latency on the device, ms per inference.</param>
/// <param name="MaxMemoryMb">Largest estimated peak memory on the device, MB.</param>
/// <param name="MaxSizeMb">Largest model file, MB.</param>
public sealed record SweepConstraints(double? TargetLatencyMs = null, double? MaxMemoryMb = null, double? MaxSizeMb = null);
