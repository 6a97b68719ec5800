namespace EdgeOpt.Power.Sensors;

/// <summary>
/// Finds and reads the power, temperature and frequency sensors of this Linux machine (nothing is assumed: each kind is
/// looked for where the kernel documents it). Never throws for a missing or unreadable sensor: it reports it as
/// <c>not available: reason</c>.
/// </summary>
public static class PowerSensors
{
    /// <summary>Reads every sensor kind once. <paramref name="root"/>: where sysfs is mounted relative to (<c>/</c>; tests pass a temporary tree).</summary>
    public static SensorSnapshot Discover(string root = "/")
    {
        ArgumentNullException.ThrowIfNull(root);
        return Discover(new Sysfs(root), nvmlLibrary: null);
    }

    internal static SensorSnapshot Discover(Sysfs sysfs, string? nvmlLibrary)
    {
        var rapl = RaplReader.Read(sysfs);
        var batteries = BatteryReader.Read(sysfs);
        var rails = Ina3221Reader.Read(sysfs);
        var zones = ThermalReader.Read(sysfs);
        var cpus = CpuFrequencyReader.Read(sysfs);
        var (gpuJoules, nvmlStatus) = ReadNvml(nvmlLibrary);
        return new SensorSnapshot(
            [
                RaplReader.Status(sysfs, rapl),
                BatteryReader.Status(sysfs, batteries),
                Ina3221Reader.Status(sysfs, rails),
                nvmlStatus,
                ThermalReader.Status(sysfs, zones),
                CpuFrequencyReader.Status(sysfs, cpus),
            ],
            rapl, batteries, rails, gpuJoules, zones, cpus, ThrottlingDetector.FromSensors(cpus, zones));
    }

    private static (double? Joules, SensorStatus Status) ReadNvml(string? library)
    {
        using var nvml = NvmlEnergy.Open(out var problem, library);
        if (nvml is null) return (null, SensorStatus.Missing(SensorKind.Nvml, problem));
        var joules = nvml.TotalJoules();
        return joules is null
            ? (null, SensorStatus.Missing(SensorKind.Nvml, "nvmlDeviceGetTotalEnergyConsumption failed"))
            : (joules, SensorStatus.Found(SensorKind.Nvml, $"{nvml.Devices} GPU{(nvml.Devices == 1 ? "" : "s")} with total energy"));
    }
}
