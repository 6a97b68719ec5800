using System.Globalization;

namespace EdgeOpt.Power.Sensors;

/// <summary>cpufreq: <c>/sys/devices/system/cpu/cpuN/cpufreq/</c> with <c>scaling_cur_freq</c>, <c>scaling_max_freq</c> and <c>cpuinfo_max_freq</c> in kHz.</summary>
internal static class CpuFrequencyReader
{
    public const string Folder = "sys/devices/system/cpu";

    public static List<CpuFrequency> Read(Sysfs sysfs)
    {
        var cpus = new List<CpuFrequency>();
        foreach (var dir in Sysfs.Folders(sysfs.PathOf(Folder), "cpu*"))
        {
            if (!int.TryParse(Path.GetFileName(dir)[3..], NumberStyles.None, CultureInfo.InvariantCulture, out var cpu)) continue; // cpufreq, cpuidle
            var cpufreq = Path.Combine(dir, "cpufreq");
            if (sysfs.Long(Path.Combine(cpufreq, "scaling_cur_freq")) is not { } current) continue;
            cpus.Add(new CpuFrequency(cpu, current, sysfs.Long(Path.Combine(cpufreq, "scaling_max_freq")), sysfs.Long(Path.Combine(cpufreq, "cpuinfo_max_freq"))));
        }
        return cpus;
    }

    public static SensorStatus Status(Sysfs sysfs, IReadOnlyList<CpuFrequency> cpus)
    {
        if (cpus.Count == 0) return SensorStatus.Missing(SensorKind.CpuFrequency, $"no {sysfs.Display(sysfs.PathOf(Folder))}/cpu*/cpufreq/scaling_cur_freq");
        var max = cpus.Max(c => c.MaxKHz ?? c.CurrentKHz);
        return SensorStatus.Found(SensorKind.CpuFrequency, FormattableString.Invariant($"{cpus.Count} CPU{(cpus.Count == 1 ? "" : "s")}, up to {max / 1e6:F2} GHz"));
    }
}
