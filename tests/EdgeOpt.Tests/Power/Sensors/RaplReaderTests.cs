using EdgeOpt.Power.Sensors;

namespace EdgeOpt.Tests.Power.Sensors;

/// <summary>RAPL powercap zones: names and subzones, the counter's wrap, and energy_uj readable by root only.</summary>
public sealed class RaplReaderTests : IDisposable
{
    private const string NoNvml = "libno-such-nvidia-ml.so.1";
    private readonly SysfsTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Reads_packages_and_subzones_and_says_what_it_found()
    {
        _tree.RaplZone("intel-rapl:0", "package-0", 1_000_000).RaplZone("intel-rapl:0:0", "core", 400_000).RaplZone("intel-rapl:0:1", "uncore", 10)
            .Write("sys/class/powercap/intel-rapl/enabled", 1); // the control type, not a zone

        var zones = RaplReader.Read(new Sysfs(_tree.Root));
        var status = RaplReader.Status(new Sysfs(_tree.Root), zones);

        Assert.Equal(["intel-rapl:0", "intel-rapl:0:0", "intel-rapl:0:1"], zones.Select(z => z.Id));
        Assert.Equal(["package-0", "core", "uncore"], zones.Select(z => z.Name));
        Assert.Equal([false, true, true], zones.Select(z => z.IsSubzone));
        Assert.Equal(1_000_000, zones[0].EnergyMicrojoules);
        Assert.True(status.Available);
        Assert.Contains("package-0 (intel-rapl:0)", status.Detail, StringComparison.Ordinal);
        // Subzones are parts of their package: only the package is summed.
        Assert.Equal(["intel-rapl:0"], RaplReader.Summed(zones).Select(z => z.Id));
    }

    [Fact]
    public void Psys_alone_is_summed_when_present_so_nothing_counts_twice()
    {
        _tree.RaplZone("intel-rapl:0", "package-0", 5).RaplZone("intel-rapl:1", "psys", 7);

        Assert.Equal(["psys"], RaplReader.Summed(RaplReader.Read(new Sysfs(_tree.Root))).Select(z => z.Name));
    }

    [Theory]
    [InlineData(100, 350, 1000, 250)]
    [InlineData(900, 50, 1000, 150)] // wrapped: (1000 − 900) + 50
    [InlineData(262_143_328_000, 1_000, 262_143_328_850, 1_850)]
    public void A_delta_across_the_wrap_is_max_minus_before_plus_after(long before, long after, long max, long expected) =>
        Assert.Equal(expected, RaplZone.Delta(before, after, max));

    [Fact]
    public void A_window_across_a_wrap_counts_the_energy_used_not_a_negative_jump()
    {
        const long max = 262_143_328_850;
        _tree.RaplZone("intel-rapl:0", "package-0", max - 2_000_000, max);
        var sysfs = new Sysfs(_tree.Root);
        using var sampler = new SensorSampler(sysfs, PowerSensors.Discover(sysfs, NoNvml), 5, NoNvml);

        sampler.Begin();
        _tree.Write("sys/class/powercap/intel-rapl:0/energy_uj", 3_000_000);
        var (joules, _, _, _) = sampler.End();

        Assert.Equal("RAPL package-0", sampler.PowerSource);
        Assert.Equal(5.0, joules!.Value, 9);
    }

    [Fact]
    public void Root_only_energy_reports_permission_denied_instead_of_failing()
    {
        _tree.Write("sys/class/powercap/intel-rapl:0/name", "package-0").Write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", 1000)
            .Unreadable("sys/class/powercap/intel-rapl:0/energy_uj");

        var snapshot = PowerSensors.Discover(_tree.Root);
        var status = snapshot.Status(SensorKind.Rapl);

        Assert.False(status.Available);
        Assert.Equal("not available: permission denied reading /sys/class/powercap/intel-rapl:0/energy_uj (root-only since Linux 5.10)", status.Detail);
        var zone = Assert.Single(snapshot.RaplZones);
        Assert.Null(zone.EnergyMicrojoules);
        Assert.Empty(RaplReader.Summed(snapshot.RaplZones));
    }

    [Fact]
    public void No_powercap_folder_is_not_available_naming_where_it_looked()
    {
        var status = PowerSensors.Discover(_tree.Root).Status(SensorKind.Rapl);

        Assert.False(status.Available);
        Assert.Equal("not available: no /sys/class/powercap/intel-rapl:* zones", status.Detail);
    }
}
