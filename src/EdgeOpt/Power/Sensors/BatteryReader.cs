namespace EdgeOpt.Power.Sensors;

/// <summary>
/// Batteries in <c>/sys/class/power_supply/*</c> (those whose <c>type</c> is Battery). Units as the kernel documents
/// them: µWh, µW, µAh, µA, µV. Drivers without <c>energy_now</c>/<c>power_now</c> give charge and current, which times
/// <c>voltage_now</c> give the same.
/// </summary>
internal static class BatteryReader
{
    public const string Folder = "sys/class/power_supply";

    public static List<BatteryReading> Read(Sysfs sysfs)
    {
        var batteries = new List<BatteryReading>();
        foreach (var dir in Sysfs.Folders(sysfs.PathOf(Folder), "*"))
        {
            if (!string.Equals(sysfs.Text(Path.Combine(dir, "type")), "Battery", StringComparison.OrdinalIgnoreCase)) continue;
            long? Attribute(string name) => sysfs.Long(Path.Combine(dir, name));
            var voltage = Attribute("voltage_now");
            var derived = false;
            double? energy = Attribute("energy_now") / 1e6;
            if (energy is null && Attribute("charge_now") is { } charge && voltage is { } v1)
            {
                energy = charge * (double)v1 / 1e12;
                derived = true;
            }
            // Some drivers sign the discharge power or current negative; the size is what is drawn.
            double? power = Attribute("power_now") is { } p ? Math.Abs(p) / 1e6 : null;
            if (power is null && Attribute("current_now") is { } current && voltage is { } v2)
            {
                power = Math.Abs(current * (double)v2) / 1e12;
                derived = true;
            }
            var capacity = Attribute("capacity");
            batteries.Add(new BatteryReading(Path.GetFileName(dir), sysfs.Text(Path.Combine(dir, "status")), capacity is null ? null : (int)capacity,
                energy, power, derived));
        }
        return batteries;
    }

    public static SensorStatus Status(Sysfs sysfs, IReadOnlyList<BatteryReading> batteries)
    {
        if (batteries.Count == 0) return SensorStatus.Missing(SensorKind.Battery, $"no battery in {sysfs.Display(sysfs.PathOf(Folder))}");
        var measurable = batteries.Where(b => b.PowerWatts is not null).ToList();
        if (measurable.Count == 0)
            return SensorStatus.Missing(SensorKind.Battery, $"{string.Join(", ", batteries.Select(b => b.Name))} report neither power_now nor current_now with voltage_now");
        return SensorStatus.Found(SensorKind.Battery, string.Join(", ", measurable.Select(b =>
            $"{b.Name} ({b.Status ?? "status unknown"}{(b.CapacityPercent is { } c ? $", {c}%" : "")}{(b.Derived ? ", from charge × voltage" : "")})")));
    }
}
