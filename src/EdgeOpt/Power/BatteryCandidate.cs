using EdgeOpt.Devices;

namespace EdgeOpt.Power;

/// <summary>
/// One way to run the model that <see cref="BatteryOptimizer"/> weighed: a precision on a unit in a power mode, with its
/// estimated figures at the requested rate and every constraint it misses (empty: feasible).
/// </summary>
/// <param name="Precision">The number format.</param>
/// <param name="Unit">CPU, GPU or NPU.</param>
/// <param name="UnitName">The unit's name in the catalogue.</param>
/// <param name="Mode">Performance, balanced or battery-saver.</param>
/// <param name="PointName">The operating point (a vendor mode such as <c>"15W"</c>, or the generic clock share).</param>
/// <param name="LatencyMs">One inference in this mode (estimated).</param>
/// <param name="EnergyPerInferenceJ">One inference's energy, device idle included (what a meter would see), in joules.</param>
/// <param name="RatePerSecond">The rate it is judged at (from the rate, or the duty cycle and its latency).</param>
/// <param name="AveragePowerW">Device power averaged at the rate; null when the rate cannot be met.</param>
/// <param name="BatteryHours">Battery life at the rate; null when the rate cannot be met.</param>
/// <param name="SteadyStateC">Steady-state temperature at the rate (first-order RC model).</param>
/// <param name="LatencyPenalty">Latency over the fastest candidate's, minus 1 (0.35: 35 % slower).</param>
/// <param name="Rejections">Why it cannot be chosen, one reason per missed constraint; empty when it meets them all.</param>
public sealed record BatteryCandidate(Precision Precision, ComputeUnitKind Unit, string UnitName, PowerModeKind Mode, string PointName,
    double LatencyMs, double EnergyPerInferenceJ, double RatePerSecond, double? AveragePowerW, double? BatteryHours, double SteadyStateC,
    double LatencyPenalty, IReadOnlyList<string> Rejections)
{
    /// <summary>Whether it meets every constraint.</summary>
    public bool Feasible => Rejections.Count == 0;

    /// <summary>E.g. <c>int8 on the NPU, battery-saver</c>.</summary>
    public string Label => $"{Precision.ToString().ToLowerInvariant()} on the {Unit.ToString().ToUpperInvariant()}, {PowerModeNames.Of(Mode)}";
}
