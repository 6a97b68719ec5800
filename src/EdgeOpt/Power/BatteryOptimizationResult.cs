namespace EdgeOpt.Power;

/// <summary>
/// What <see cref="BatteryOptimizer.OptimizeForBattery"/> found: every candidate with why it was rejected, and the one
/// chosen (the longest battery life among those meeting every constraint; ties: the lowest latency) with its full
/// power analysis (the seed's <c>power_analysis['battery_life_estimate']</c> is <see cref="BatteryLifeEstimate"/>).
/// </summary>
public sealed record BatteryOptimizationResult
{
    /// <summary>The constraints searched under.</summary>
    public required BatteryOptimizationConfig Config { get; init; }

    public required string DeviceId { get; init; }

    /// <summary>Every candidate (precision × unit × mode), feasible or not.</summary>
    public required IReadOnlyList<BatteryCandidate> Candidates { get; init; }

    /// <summary>The choice.</summary>
    public required BatteryCandidate Chosen { get; init; }

    /// <summary>The chosen candidate's power analysis (energy breakdown, the three modes, battery, thermal).</summary>
    public required PowerReport PowerAnalysis { get; init; }

    /// <summary>Battery life of the choice at the rate (with its race-to-idle vs pacing comparison).</summary>
    public BatteryEstimate BatteryLifeEstimate => PowerAnalysis.Battery;
}
