namespace EdgeOpt.Power.Sensors;

/// <summary>A thermal zone (<c>/sys/class/thermal/thermal_zoneN</c>): its type (e.g. <c>x86_pkg_temp</c>, <c>CPU-therm</c>), temperature and trip points.</summary>
public sealed record ThermalZone(string Id, string Type, double Celsius, IReadOnlyList<TripPoint> Trips);

/// <summary>A trip point: <paramref name="Type"/> is <c>active</c>, <c>passive</c>, <c>hot</c> or <c>critical</c>.</summary>
public sealed record TripPoint(string Type, double Celsius)
{
    /// <summary>Trips where the kernel slows the CPU down or shuts off (fans, the <c>active</c> kind, do not throttle).</summary>
    public bool Throttles => Type is "passive" or "hot" or "critical";
}
