using System.Globalization;

namespace EdgeOpt.Devices.Probing;

/// <summary>Reads of <c>/proc</c> and <c>/sys</c> files that answer null instead of throwing: a probe reports what it can.</summary>
internal static class LinuxFiles
{
    public static IEnumerable<string>? ReadLines(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static long? ReadLong(string path) =>
        long.TryParse(ReadText(path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary><c>MemTotal</c> from <c>/proc/meminfo</c>, in bytes.</summary>
    public static long? MemTotalBytes()
    {
        foreach (var line in ReadLines("/proc/meminfo") ?? [])
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
            var parts = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 0 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib)) return kib * 1024;
        }
        return null;
    }

    /// <summary>
    /// Physical cores from <c>/sys/devices/system/cpu/cpu*/topology</c>: distinct (package, core) pairs.
    /// </summary>
    public static int? PhysicalCoresFromTopology()
    {
        const string root = "/sys/devices/system/cpu";
        try
        {
            if (!Directory.Exists(root)) return null;
            var cores = new HashSet<(long, long)>();
            foreach (var cpu in Directory.EnumerateDirectories(root, "cpu*"))
            {
                var name = Path.GetFileName(cpu);
                if (name.Length <= 3 || !name[3..].All(char.IsAsciiDigit)) continue;
                var core = ReadLong(Path.Combine(cpu, "topology", "core_id"));
                var package = ReadLong(Path.Combine(cpu, "topology", "physical_package_id"));
                if (core is null) continue;
                cores.Add((package ?? 0, core.Value));
            }
            return cores.Count > 0 ? cores.Count : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>cpufreq's base and maximum clock of cpu0 in GHz (each null when the kernel does not expose it).</summary>
    public static (double? BaseGhz, double? MaxGhz) CpuFreqGhz()
    {
        const string dir = "/sys/devices/system/cpu/cpu0/cpufreq";
        var baseKhz = ReadLong(Path.Combine(dir, "base_frequency"));
        var maxKhz = ReadLong(Path.Combine(dir, "cpuinfo_max_freq"));
        return (baseKhz > 0 ? baseKhz / 1e6 : null, maxKhz > 0 ? maxKhz / 1e6 : null);
    }
}
