namespace EdgeOpt.Power;

/// <summary>
/// Battery life at the requested rate, and whether racing to idle (performance mode, then idle) or pacing (the lowest
/// clock that still meets the rate) costs less.
/// </summary>
/// <param name="RatePerSecond">Inferences per second (from the rate, the duty cycle, or back to back).</param>
/// <param name="CapacityWh">The battery.</param>
/// <param name="BaselineW">The device's own drain without the model.</param>
/// <param name="ModelW">What the model adds at that rate in the chosen mode.</param>
/// <param name="Hours">Battery life: capacity / (baseline + model).</param>
/// <param name="ModelShare">The model's share of the drain: model / (baseline + model).</param>
/// <param name="RaceToIdleW">The model's power racing to idle (performance clock, idle between inferences).</param>
/// <param name="PacedW">The model's power at the lowest clock that meets the rate (null: only the top clock does).</param>
/// <param name="PacedClockScale">That clock as a share of the maximum.</param>
/// <param name="Winner">"race-to-idle" or "paced", and by how much, in words.</param>
public sealed record BatteryEstimate(double RatePerSecond, double? CapacityWh, double BaselineW, double ModelW, double? Hours, double ModelShare,
    double RaceToIdleW, double? PacedW, double? PacedClockScale, string Winner)
{
    /// <summary>The seed's sentence: <c>"Expected battery life: 11.8 h"</c> (or why there is none).</summary>
    public string Summary => Hours is { } h
        ? FormattableString.Invariant($"Expected battery life: {h:F1} h")
        : "Expected battery life: no battery (give --battery-wh to estimate on a battery pack)";
}
