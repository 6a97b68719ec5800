namespace EdgeOpt.Power.Sensors;

/// <summary>
/// RAPL through the powercap class: <c>/sys/class/powercap/intel-rapl:N</c> (packages, psys) and
/// <c>intel-rapl:N:M</c> (core, uncore, dram), each with <c>name</c>, <c>energy_uj</c> and <c>max_energy_range_uj</c>.
/// AMD Zen's driver uses the same names. <c>intel-rapl-mmio:*</c> repeats the package through MMIO and is skipped.
/// </summary>
internal static class RaplReader
{
    public const string Folder = "sys/class/powercap";

    public static List<RaplZone> Read(Sysfs sysfs)
    {
        var zones = new List<RaplZone>();
        foreach (var dir in Sysfs.Folders(sysfs.PathOf(Folder), "intel-rapl:*"))
        {
            var id = Path.GetFileName(dir);
            var energy = sysfs.Long(Path.Combine(dir, "energy_uj"), out var problem);
            zones.Add(new RaplZone(id, sysfs.Text(Path.Combine(dir, "name")) ?? id, id.Count(c => c == ':') > 1, energy,
                sysfs.Long(Path.Combine(dir, "max_energy_range_uj")), problem));
        }
        return zones;
    }

    public static SensorStatus Status(Sysfs sysfs, IReadOnlyList<RaplZone> zones)
    {
        if (zones.Count == 0) return SensorStatus.Missing(SensorKind.Rapl, $"no {sysfs.Display(sysfs.PathOf(Folder))}/intel-rapl:* zones");
        var readable = zones.Where(z => z.EnergyMicrojoules is not null).ToList();
        if (readable.Count == 0)
        {
            var problem = zones[0].Problem ?? "energy_uj unreadable";
            // Since Linux 5.10 (a power side channel, PLATYPUS) energy_uj is readable by root only.
            return SensorStatus.Missing(SensorKind.Rapl,
                problem.StartsWith("permission denied", StringComparison.Ordinal) ? $"{problem} (root-only since Linux 5.10)" : problem);
        }
        return SensorStatus.Found(SensorKind.Rapl, string.Join(", ", readable.Select(z => $"{z.Name} ({z.Id})")));
    }

    /// <summary>
    /// The zones whose energies add up to what the machine's processors draw without counting anything twice: psys
    /// (the whole SoC platform) when present, else the top-level zones (packages; subzones are parts of them).
    /// </summary>
    public static List<RaplZone> Summed(IReadOnlyList<RaplZone> zones)
    {
        var readable = zones.Where(z => z.EnergyMicrojoules is not null && !z.IsSubzone).ToList();
        var psys = readable.Where(z => z.Name == "psys").ToList();
        return psys.Count > 0 ? psys : readable;
    }
}
