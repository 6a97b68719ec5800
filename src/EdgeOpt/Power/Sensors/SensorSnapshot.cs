namespace EdgeOpt.Power.Sensors;

/// <summary>
/// What every sensor read at one moment (<see cref="PowerSensors.Discover(string)"/>): a status per <see cref="SensorKind"/>
/// (available with what was found, or <c>not available: reason</c>), the readings, and whether they suggest thermal
/// throttling now.
/// </summary>
public sealed record SensorSnapshot(
    IReadOnlyList<SensorStatus> Statuses,
    IReadOnlyList<RaplZone> RaplZones,
    IReadOnlyList<BatteryReading> Batteries,
    IReadOnlyList<PowerRail> Rails,
    double? GpuEnergyJoules,
    IReadOnlyList<ThermalZone> ThermalZones,
    IReadOnlyList<CpuFrequency> CpuFrequencies,
    ThrottlingVerdict Throttling)
{
    /// <summary>The status of one kind (every kind has one).</summary>
    public SensorStatus Status(SensorKind kind) => Statuses.First(s => s.Kind == kind);
}
