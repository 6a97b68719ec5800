namespace EdgeOpt.Power.Sensors;

/// <summary>
/// Thermal zones: <c>/sys/class/thermal/thermal_zone*/</c> with <c>type</c>, <c>temp</c> and
/// <c>trip_point_N_temp</c>/<c>trip_point_N_type</c>, temperatures in millidegrees Celsius.
/// </summary>
internal static class ThermalReader
{
    public const string Folder = "sys/class/thermal";

    public static List<ThermalZone> Read(Sysfs sysfs)
    {
        var zones = new List<ThermalZone>();
        foreach (var dir in Sysfs.Folders(sysfs.PathOf(Folder), "thermal_zone*"))
        {
            // A zone whose sensor is off returns EINVAL/ENODATA for temp; it has nothing to say.
            if (sysfs.Long(Path.Combine(dir, "temp")) is not { } milli) continue;
            var id = Path.GetFileName(dir);
            var trips = new List<TripPoint>();
            for (var n = 0; ; n++)
            {
                if (sysfs.Long(Path.Combine(dir, $"trip_point_{n}_temp")) is not { } tripMilli) break;
                // Unused trips read as a huge or non-positive value on some boards.
                if (tripMilli <= 0 || tripMilli >= 1_000_000) continue;
                trips.Add(new TripPoint(sysfs.Text(Path.Combine(dir, $"trip_point_{n}_type")) ?? "unknown", tripMilli / 1000.0));
            }
            zones.Add(new ThermalZone(id, sysfs.Text(Path.Combine(dir, "type")) ?? id, milli / 1000.0, trips));
        }
        return zones;
    }

    public static SensorStatus Status(Sysfs sysfs, IReadOnlyList<ThermalZone> zones) => zones.Count == 0
        ? SensorStatus.Missing(SensorKind.Thermal, $"no readable {sysfs.Display(sysfs.PathOf(Folder))}/thermal_zone*")
        : SensorStatus.Found(SensorKind.Thermal, string.Join(", ", zones.Select(z => z.Type)));
}
