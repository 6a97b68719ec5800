using EdgeOpt.Power.Sensors;

namespace EdgeOpt.Tests.Power.Sensors;

/// <summary>Batteries (energy/power, or charge/current × voltage) and Jetson INA3221 rails in both driver layouts.</summary>
public sealed class BatteryAndRailTests : IDisposable
{
    private readonly SysfsTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void A_battery_with_energy_and_power_reads_in_watt_hours_and_watts()
    {
        _tree.Write("sys/class/power_supply/AC/type", "Mains").Write("sys/class/power_supply/AC/online", 0)
            .Write("sys/class/power_supply/BAT0/type", "Battery").Write("sys/class/power_supply/BAT0/status", "Discharging")
            .Write("sys/class/power_supply/BAT0/capacity", 87).Write("sys/class/power_supply/BAT0/energy_now", 45_200_000)
            .Write("sys/class/power_supply/BAT0/power_now", 9_750_000).Write("sys/class/power_supply/BAT0/voltage_now", 12_100_000);

        var battery = Assert.Single(BatteryReader.Read(new Sysfs(_tree.Root)));
        var status = PowerSensors.Discover(_tree.Root).Status(SensorKind.Battery);

        Assert.Equal("BAT0", battery.Name);
        Assert.True(battery.Discharging);
        Assert.Equal(87, battery.CapacityPercent);
        Assert.Equal(45.2, battery.EnergyWattHours!.Value, 9);
        Assert.Equal(9.75, battery.PowerWatts!.Value, 9);
        Assert.False(battery.Derived);
        Assert.True(status.Available);
        Assert.Equal("BAT0 (Discharging, 87%)", status.Detail);
    }

    [Fact]
    public void Without_energy_and_power_they_come_from_charge_and_current_times_voltage()
    {
        _tree.Write("sys/class/power_supply/battery/type", "Battery").Write("sys/class/power_supply/battery/status", "Discharging")
            .Write("sys/class/power_supply/battery/charge_now", 3_000_000) // 3000 mAh
            .Write("sys/class/power_supply/battery/current_now", -500_000) // 0.5 A, signed negative while discharging
            .Write("sys/class/power_supply/battery/voltage_now", 3_800_000); // 3.8 V

        var battery = Assert.Single(BatteryReader.Read(new Sysfs(_tree.Root)));

        Assert.True(battery.Derived);
        Assert.Equal(11.4, battery.EnergyWattHours!.Value, 9);
        Assert.Equal(1.9, battery.PowerWatts!.Value, 9);
        Assert.Contains("from charge × voltage", PowerSensors.Discover(_tree.Root).Status(SensorKind.Battery).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Hwmon_rails_read_millivolts_times_milliamps_and_the_input_rail_is_the_total()
    {
        const string hwmon = "sys/bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3";
        _tree.Write($"{hwmon}/name", "ina3221")
            .Write($"{hwmon}/in1_label", "VDD_IN").Write($"{hwmon}/in1_input", 5000).Write($"{hwmon}/curr1_input", 1200)
            .Write($"{hwmon}/in2_label", "VDD_CPU_GPU_CV").Write($"{hwmon}/in2_input", 5000).Write($"{hwmon}/curr2_input", 400)
            .Write($"{hwmon}/in3_label", "VDD_SOC").Write($"{hwmon}/in3_input", 5000).Write($"{hwmon}/curr3_input", 300)
            .Write("sys/bus/i2c/drivers/ina3221/bind", "");

        var rails = Ina3221Reader.Read(new Sysfs(_tree.Root));

        Assert.Equal(["VDD_IN", "VDD_CPU_GPU_CV", "VDD_SOC"], rails.Select(r => r.Name));
        Assert.Equal([6.0, 2.0, 1.5], rails.Select(r => r.Watts));
        Assert.Equal(6.0, Ina3221Reader.TotalWatts(rails), 9); // VDD_IN alone: the others are parts of it
        Assert.Equal("VDD_IN, VDD_CPU_GPU_CV, VDD_SOC", PowerSensors.Discover(_tree.Root).Status(SensorKind.Ina3221).Detail);
    }

    [Fact]
    public void The_older_iio_layout_reads_rail_names_and_milliwatts_and_rails_without_an_input_are_summed()
    {
        const string iio = "sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0";
        _tree.Write($"{iio}/rail_name_0", "POM_5V_GPU").Write($"{iio}/in_power0_input", 3500)
            .Write($"{iio}/rail_name_1", "POM_5V_CPU").Write($"{iio}/in_power1_input", 1250)
            .Write($"{iio}/rail_name_2", "POM_5V_DDR").Write($"{iio}/in_power2_input", 250);

        var rails = Ina3221Reader.Read(new Sysfs(_tree.Root));

        Assert.Equal(["POM_5V_GPU", "POM_5V_CPU", "POM_5V_DDR"], rails.Select(r => r.Name));
        Assert.Equal([3.5, 1.25, 0.25], rails.Select(r => r.Watts));
        Assert.Equal(5.0, Ina3221Reader.TotalWatts(rails), 9);
        Assert.True(PowerSensors.Discover(_tree.Root).Status(SensorKind.Ina3221).Available);
    }

    [Fact]
    public void Rail_power_integrated_over_a_window_is_the_board_energy()
    {
        const string hwmon = "sys/bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon0";
        _tree.Write($"{hwmon}/in1_label", "VDD_IN").Write($"{hwmon}/in1_input", 5000).Write($"{hwmon}/curr1_input", 1000);
        var sysfs = new Sysfs(_tree.Root);
        using var sampler = new SensorSampler(sysfs, PowerSensors.Discover(sysfs, "libno-such-nvidia-ml.so.1"), 5, "libno-such-nvidia-ml.so.1");

        sampler.Begin();
        Thread.Sleep(50);
        var (joules, _, _, _) = sampler.End();

        // A constant 5 W: the energy is positive and the source named; its size depends on the time slept, which is not asserted.
        Assert.Equal("INA3221 rails: VDD_IN", sampler.PowerSource);
        Assert.True(joules > 0);
        Assert.Contains(sampler.Sensors, s => s.Kind == SensorKind.Ina3221 && s.Detail == "measured: VDD_IN");
    }
}
