using EdgeOpt.Power.Sensors;

namespace EdgeOpt.Tests.Power.Sensors;

/// <summary><see cref="PowerSensors.Discover(string)"/>: a status for every kind, on an empty tree and on this machine, without throwing.</summary>
public sealed class PowerSensorsDiscoveryTests
{
    [Fact]
    public void An_empty_tree_has_every_kind_not_available_with_a_reason()
    {
        using var tree = new SysfsTree();

        var snapshot = PowerSensors.Discover(tree.Root);

        Assert.Equal(Enum.GetValues<SensorKind>(), snapshot.Statuses.Select(s => s.Kind));
        foreach (var status in snapshot.Statuses)
        {
            Assert.False(status.Available, status.ToString());
            Assert.StartsWith("not available: ", status.Detail, StringComparison.Ordinal);
        }
        Assert.Equal("not available: no readable /sys/class/thermal/thermal_zone*", snapshot.Status(SensorKind.Thermal).Detail);
        Assert.False(snapshot.Throttling.Suspected);
    }

    [Fact]
    public void This_machine_reports_every_kind_and_says_why_a_missing_one_is_missing()
    {
        var snapshot = PowerSensors.Discover();

        Assert.Equal(Enum.GetValues<SensorKind>(), snapshot.Statuses.Select(s => s.Kind));
        Assert.All(snapshot.Statuses, s => Assert.True(s.Available || s.Detail.StartsWith("not available: ", StringComparison.Ordinal), s.ToString()));
        // What this machine lacks must be reported as lacking (the development VM has no powercap, thermal zones or cpufreq).
        if (!Directory.Exists("/sys/class/powercap")) Assert.False(snapshot.Status(SensorKind.Rapl).Available);
        if (!Directory.Exists("/sys/class/thermal") || !Directory.EnumerateDirectories("/sys/class/thermal", "thermal_zone*").Any()) Assert.False(snapshot.Status(SensorKind.Thermal).Available);
        if (!File.Exists("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq")) Assert.False(snapshot.Status(SensorKind.CpuFrequency).Available);
        if (!File.Exists("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1") && !File.Exists("/usr/lib/aarch64-linux-gnu/libnvidia-ml.so.1") && !File.Exists("/usr/lib64/libnvidia-ml.so.1"))
            Assert.False(snapshot.Status(SensorKind.Nvml).Available);
    }

    [Fact]
    public void A_machine_without_the_NVIDIA_driver_reports_libnvidia_ml_not_found()
    {
        using var nvml = NvmlEnergy.Open(out var problem, "libno-such-nvidia-ml.so.1");

        Assert.Null(nvml);
        Assert.Equal("libnvidia-ml not found (no NVIDIA driver)", problem);
    }
}
