namespace EdgeOpt.Power.Sensors;

/// <summary>
/// A battery from <c>/sys/class/power_supply</c>: <paramref name="Status"/> as the kernel writes it (Charging,
/// Discharging, Full, ...). <paramref name="Derived"/>: energy and power came from charge/current × voltage because the
/// driver has no <c>energy_now</c>/<c>power_now</c>.
/// </summary>
public sealed record BatteryReading(string Name, string? Status, int? CapacityPercent, double? EnergyWattHours, double? PowerWatts, bool Derived)
{
    /// <summary>Only while discharging does the battery's power equal what the machine draws (on AC it shows charging).</summary>
    public bool Discharging => string.Equals(Status, "Discharging", StringComparison.OrdinalIgnoreCase);
}
