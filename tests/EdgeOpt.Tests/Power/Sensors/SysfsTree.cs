namespace EdgeOpt.Tests.Power.Sensors;

/// <summary>A temporary folder laid out like sysfs (paths as the kernel documents them), for pointing the sensor readers at.</summary>
internal sealed class SysfsTree : IDisposable
{
    private readonly TempDir _dir = new();

    public string Root => _dir.Path;

    /// <summary>Writes <paramref name="value"/> and a newline (as sysfs shows attributes) to <paramref name="path"/> under the root.</summary>
    public SysfsTree Write(string path, object value)
    {
        var full = Full(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, FormattableString.Invariant($"{value}\n"));
        return this;
    }

    /// <summary>A folder where an attribute file should be: reading it fails as a root-only file does for a normal user.</summary>
    public SysfsTree Unreadable(string path)
    {
        Directory.CreateDirectory(Full(path));
        return this;
    }

    public SysfsTree RaplZone(string id, string name, long energyMicrojoules, long maxRange = 262_143_328_850) =>
        Write($"sys/class/powercap/{id}/name", name)
            .Write($"sys/class/powercap/{id}/energy_uj", energyMicrojoules)
            .Write($"sys/class/powercap/{id}/max_energy_range_uj", maxRange);

    public SysfsTree ThermalZone(int n, string type, double celsius, params (string Type, double Celsius)[] trips)
    {
        Write($"sys/class/thermal/thermal_zone{n}/type", type);
        Write($"sys/class/thermal/thermal_zone{n}/temp", (long)(celsius * 1000));
        for (var i = 0; i < trips.Length; i++)
        {
            Write($"sys/class/thermal/thermal_zone{n}/trip_point_{i}_type", trips[i].Type);
            Write($"sys/class/thermal/thermal_zone{n}/trip_point_{i}_temp", (long)(trips[i].Celsius * 1000));
        }
        return this;
    }

    public SysfsTree Cpu(int n, long currentKHz, long scalingMaxKHz, long hardwareMaxKHz) =>
        Write($"sys/devices/system/cpu/cpu{n}/cpufreq/scaling_cur_freq", currentKHz)
            .Write($"sys/devices/system/cpu/cpu{n}/cpufreq/scaling_max_freq", scalingMaxKHz)
            .Write($"sys/devices/system/cpu/cpu{n}/cpufreq/cpuinfo_max_freq", hardwareMaxKHz);

    private string Full(string path) => Path.Combine(Root, path);

    public void Dispose() => _dir.Dispose();
}
