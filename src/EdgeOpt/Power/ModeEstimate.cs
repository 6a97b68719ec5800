using EdgeOpt.Devices;

namespace EdgeOpt.Power;

/// <summary>The model at one operating point: latency, power, energy and battery life (all estimated).</summary>
/// <param name="Mode">Performance, balanced or battery-saver.</param>
/// <param name="Point">The operating point (a vendor mode such as <c>"30W"</c>, or the generic one).</param>
/// <param name="LatencyMs">One inference at this point.</param>
/// <param name="Energy">One inference's energy at this point.</param>
/// <param name="ActivePowerW">Device power while inferring back to back: <see cref="EnergyBreakdown.TotalJ"/> / latency.</param>
/// <param name="AveragePowerW">Device power averaged at the requested rate (baseline plus the model's share); null when the rate cannot be met here.</param>
/// <param name="BatteryHours">Battery life at the requested rate; null without a battery or when the rate cannot be met.</param>
/// <param name="MeetsRate">Whether one inference fits in the period the rate allows.</param>
public sealed record ModeEstimate(PowerModeKind Mode, OperatingPoint Point, double LatencyMs, EnergyBreakdown Energy, double ActivePowerW,
    double? AveragePowerW, double? BatteryHours, bool MeetsRate);
