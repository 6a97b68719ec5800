using EdgeOpt.Devices;
using EdgeOpt.Power;

namespace EdgeOpt.Deployment;

/// <summary>
/// A candidate's energy, battery and thermal figures on the target (estimated with <c>EdgeOpt.Power</c> at the
/// candidate's compute precision, unit, threads and batch, on its FP32-shaped model as the latency estimate is), in the
/// power mode chosen for it: the fastest mode that meets the battery, power and thermal constraints (performance when
/// none are given), or the one closest to them. The mode changes the estimate, never the model file.
/// </summary>
/// <param name="Mode">The power mode chosen for the candidate.</param>
/// <param name="PointName">Its operating point (a vendor mode such as <c>"15W"</c>, or a clock share).</param>
/// <param name="LatencyMs">One inference in that mode (the power model's own estimate, not host-calibrated).</param>
/// <param name="EnergyMj">One inference's energy in that mode, device idle included, in millijoules.</param>
/// <param name="RatePerSecond">The rate the battery, power and temperature figures are for.</param>
/// <param name="AveragePowerW">Device power averaged at the rate; null when the rate cannot be met.</param>
/// <param name="BatteryHours">Battery life at the rate; null when the rate cannot be met.</param>
/// <param name="SteadyStateC">Steady-state temperature at the rate.</param>
/// <param name="Rejections">The battery, power and thermal constraints missed in that mode (empty: all met).</param>
/// <param name="Modes">Every mode weighed (performance alone without battery constraints).</param>
public sealed record CandidatePower(PowerModeKind Mode, string PointName, double LatencyMs, double EnergyMj, double RatePerSecond,
    double? AveragePowerW, double? BatteryHours, double SteadyStateC, IReadOnlyList<string> Rejections, IReadOnlyList<BatteryCandidate> Modes);
