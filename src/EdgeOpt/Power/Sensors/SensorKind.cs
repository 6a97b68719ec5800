namespace EdgeOpt.Power.Sensors;

/// <summary>The power, temperature and frequency sensors EdgeOpt knows how to read.</summary>
public enum SensorKind
{
    /// <summary>RAPL energy counters in <c>/sys/class/powercap/intel-rapl:*</c> (Intel, and AMD Zen under the same names).</summary>
    Rapl,

    /// <summary>A battery in <c>/sys/class/power_supply</c> (energy/power, or charge/current and voltage).</summary>
    Battery,

    /// <summary>INA3221 power monitors on NVIDIA Jetson boards (hwmon or the older iio layout).</summary>
    Ina3221,

    /// <summary>NVIDIA GPU total energy through NVML (libnvidia-ml), Volta and newer.</summary>
    Nvml,

    /// <summary>Thermal zones in <c>/sys/class/thermal</c> with their trip points.</summary>
    Thermal,

    /// <summary>cpufreq in <c>/sys/devices/system/cpu/cpu*/cpufreq</c>.</summary>
    CpuFrequency,
}
