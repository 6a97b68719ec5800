using EdgeOpt.Power.Sensors;

namespace EdgeOpt.Tests.Power.Sensors;

/// <summary>Thermal zones, cpufreq and the throttling verdicts built from them and from latency drift.</summary>
public sealed class ThrottlingTests : IDisposable
{
    private readonly SysfsTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Thermal_zones_read_millidegrees_with_their_trip_points()
    {
        _tree.ThermalZone(0, "acpitz", 27.8, ("critical", 119))
            .ThermalZone(1, "x86_pkg_temp", 96.5, ("passive", 100), ("critical", 105));

        var zones = ThermalReader.Read(new Sysfs(_tree.Root));

        Assert.Equal(["acpitz", "x86_pkg_temp"], zones.Select(z => z.Type));
        Assert.Equal(96.5, zones[1].Celsius, 9);
        Assert.Equal([("passive", 100.0), ("critical", 105.0)], zones[1].Trips.Select(t => (t.Type, t.Celsius)));
        Assert.True(zones[1].Trips[0].Throttles);
    }

    [Fact]
    public void Cpufreq_reads_current_and_both_maxima_in_natural_cpu_order()
    {
        _tree.Cpu(0, 2_400_000, 3_000_000, 3_600_000).Cpu(2, 800_000, 3_000_000, 3_600_000).Cpu(10, 3_600_000, 3_600_000, 3_600_000)
            .Write("sys/devices/system/cpu/cpufreq/boost", 1);

        var cpus = CpuFrequencyReader.Read(new Sysfs(_tree.Root));

        Assert.Equal([0, 2, 10], cpus.Select(c => c.Cpu));
        Assert.Equal(new CpuFrequency(0, 2_400_000, 3_000_000, 3_600_000), cpus[0]);
        Assert.Equal(3_600_000, cpus[0].MaxKHz);
        Assert.Equal("3 CPUs, up to 3.60 GHz", PowerSensors.Discover(_tree.Root).Status(SensorKind.CpuFrequency).Detail);
    }

    [Fact]
    public void A_CPU_under_its_cap_while_a_zone_is_near_a_passive_trip_is_suspected_throttling()
    {
        _tree.Cpu(0, 1_200_000, 1_500_000, 2_000_000).Cpu(1, 1_100_000, 1_500_000, 2_000_000)
            .ThermalZone(0, "cpu-thermal", 96.5, ("passive", 100), ("critical", 110));

        var snapshot = PowerSensors.Discover(_tree.Root);

        Assert.True(snapshot.Throttling.Suspected);
        Assert.Equal("cpu0 at 1.20 GHz, 60% of its 2.00 GHz maximum while cpu-thermal is 96.5 °C, within 5 °C of its passive trip at 100.0 °C",
            snapshot.Throttling.Reason);
    }

    [Theory]
    [InlineData(1_200_000, 80.0, false)] // under the cap but far from the trip: a CPU that is simply idle or slowed by its governor
    [InlineData(2_000_000, 98.0, false)] // near the trip but at full speed: not (yet) throttled
    [InlineData(1_700_000, 95.0, true)] // exactly at the margin, 85% of maximum
    [InlineData(1_900_000, 99.0, false)] // 95% of maximum is not under the cap
    public void Either_sign_alone_is_not_throttling(long currentKHz, double celsius, bool suspected)
    {
        var verdict = ThrottlingDetector.FromSensors([new CpuFrequency(0, currentKHz, 2_000_000, 2_000_000)],
            [new ThermalZone("thermal_zone0", "soc", celsius, [new TripPoint("active", 60), new TripPoint("passive", 100)])]);

        Assert.Equal(suspected, verdict.Suspected);
        Assert.False(string.IsNullOrWhiteSpace(verdict.Reason));
    }

    [Fact]
    public void Active_trips_are_fans_and_do_not_count()
    {
        var verdict = ThrottlingDetector.FromSensors([new CpuFrequency(0, 1_000_000, 2_000_000, 2_000_000)],
            [new ThermalZone("thermal_zone0", "soc", 59, [new TripPoint("active", 60)])]);

        Assert.False(verdict.Suspected);
        Assert.Contains("no thermal zone within 5 °C of a throttling trip", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_frequency_or_temperature_the_sensors_cannot_tell()
    {
        var verdict = ThrottlingDetector.FromSensors([], [new ThermalZone("thermal_zone0", "soc", 99, [new TripPoint("passive", 100)])]);

        Assert.False(verdict.Suspected);
        Assert.Equal("cannot tell from sensors: no CPU frequency readable", verdict.Reason);
    }

    [Theory]
    [InlineData(1.0, false)]
    [InlineData(1.15, false)]
    [InlineData(1.3, true)]
    [InlineData(double.NaN, false)]
    public void Drift_above_the_threshold_is_suspected_throttling(double drift, bool suspected)
    {
        var verdict = ThrottlingDetector.FromDrift(drift);

        Assert.Equal(suspected, verdict.Suspected);
        if (suspected) Assert.Equal("latency drift 1.30× (last window's median over the first's) is above 1.15×", verdict.Reason);
    }
}
