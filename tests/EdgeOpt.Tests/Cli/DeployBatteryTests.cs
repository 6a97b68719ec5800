using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Deployment;

namespace EdgeOpt.Tests.Cli;

/// <summary>The demo's files, one results store, and one deploy with a reachable battery target, shared by the battery flags' tests.</summary>
public sealed class DeployBatteryInputs : IDisposable
{
    public DeployBatteryInputs()
    {
        Inputs = DemoAssets.WriteTo(Dir.File("inputs"));
        Cache = Dir.File("cache");
        Reachable = CliHarness.Run(Args(Dir.File("reachable"), "--battery-hours", "1", "--rate", "5", "--json"));
    }

    internal TempDir Dir { get; } = new();
    internal DemoAssets.Files Inputs { get; }
    public string Cache { get; }
    public (int Code, string Out, string Err) Reachable { get; }

    /// <summary>deploy of the demo model to the iPhone 15 Pro (power figures and a battery) at dynamic int8, one thread, on random inputs and the shared store.</summary>
    public string[] Args(string output, params string[] more) =>
        ["deploy", Inputs.Model, "--device", "iphone-15-pro", "--type", "int8-dynamic", "--threads", "1", "--cache", Cache, "-o", output, .. more];

    public void Dispose() => Dir.Dispose();
}

public class DeployBatteryTests(DeployBatteryInputs inputs) : IClassFixture<DeployBatteryInputs>
{
    [Fact]
    public void A_reachable_target_reports_energy_and_battery_life_per_candidate()
    {
        var (code, stdout, stderr) = inputs.Reachable;

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("config").GetProperty("batteryHours").GetDouble());
        Assert.Equal(5, root.GetProperty("config").GetProperty("ratePerSecond").GetDouble());
        var evaluated = root.GetProperty("candidates").EnumerateArray().Where(c => c.GetProperty("status").GetString() == "Evaluated").ToList();
        Assert.NotEmpty(evaluated);
        foreach (var c in evaluated)
        {
            var power = c.GetProperty("power");
            Assert.True(power.GetProperty("energyMj").GetDouble() > 0);
            Assert.True(power.GetProperty("batteryHours").GetDouble() > 0);
            Assert.Equal(5, power.GetProperty("ratePerSecond").GetDouble());
            // Battery constraints make the power mode a dimension: all three are weighed.
            Assert.Equal(3, power.GetProperty("modes").GetArrayLength());
        }
        var check = Assert.Single(root.GetProperty("checks").EnumerateArray(), k => k.GetProperty("constraint").GetString() == "battery life");
        Assert.True(check.GetProperty("met").GetBoolean());
        Assert.True(check.GetProperty("value").GetDouble() >= 1);
        var html = File.ReadAllText(Path.Combine(inputs.Dir.File("reachable"), "report.html"));
        Assert.Contains("id=\"energy\"", html, StringComparison.Ordinal);
        Assert.Contains("<svg class=\"chart energy\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_has_energy_and_battery_columns_and_the_chosen_mode()
    {
        var output = inputs.Dir.File("table");

        var (code, stdout, stderr) = CliHarness.Run(inputs.Args(output, "--battery-hours", "1", "--rate", "5"));

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Contains("mJ", stdout, StringComparison.Ordinal);
        Assert.Contains("Batt h", stdout, StringComparison.Ordinal);
        Assert.Contains("battery life:", stdout, StringComparison.Ordinal);
        Assert.Matches(@"(performance|balanced|battery-saver) mode \(", stdout);
    }

    [Fact]
    public void An_unreachable_target_exits_3_with_the_best_hours_and_writes_nothing()
    {
        var output = inputs.Dir.File("unreachable");

        var (code, stdout, stderr) = CliHarness.Run(inputs.Args(output, "--battery-hours", "100000", "--rate", "5"));

        Assert.True(code == ExitCodes.ConstraintsNotMet, $"exit {code}: {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^error: battery target 100000 h cannot be met: best is \d+(\.\d)? h \(.+\)$", line.TrimEnd('\r'));
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(output), "nothing may be written for an unreachable battery target");
    }

    [Theory]
    [InlineData("--battery-hours", "-1", "--battery-hours is -1: expected a positive number of hours")]
    [InlineData("--rate", "0", "--rate is 0: expected a positive number of inferences per second")]
    [InlineData("--max-power", "0", "--max-power is 0: expected a positive number of watts")]
    [InlineData("--thermal-limit", "5", "--thermal-limit is 5: expected a temperature")]
    [InlineData("--battery-wh", "-3", "--battery-wh is -3: expected a positive number of watt-hours")]
    public void Bad_values_exit_2_in_one_line_naming_the_flag_and_write_nothing(string flag, string value, string expected)
    {
        var output = inputs.Dir.File("bad" + flag);
        var more = flag == "--rate" ? new[] { flag, value } : [flag, value, "--rate", "5"];

        var line = CliHarness.UsageErrorLine(CliHarness.Run(inputs.Args(output, more)));

        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_battery_target_without_a_rate_names_the_flag_to_add()
    {
        var line = CliHarness.UsageErrorLine(CliHarness.Run(inputs.Args(inputs.Dir.File("norate"), "--battery-hours", "10")));

        Assert.Contains("--battery-hours needs --rate", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_without_power_figures_exits_2_naming_what_is_missing()
    {
        var output = inputs.Dir.File("nopower");

        var line = CliHarness.UsageErrorLine(CliHarness.Run("deploy", inputs.Inputs.Model, "--device", "pixel-7", "--battery-hours", "10", "--rate", "5",
            "--no-cache", "-o", output));

        Assert.Contains("has no power figures (processNm, idleW, thermalLimitC, thermalTimeConstantS)", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_board_without_a_battery_asks_for_its_capacity()
    {
        var line = CliHarness.UsageErrorLine(CliHarness.Run("deploy", inputs.Inputs.Model, "--device", "raspberry-pi-4", "--battery-hours", "10", "--rate", "5",
            "--no-cache", "-o", inputs.Dir.File("nobattery")));

        Assert.Contains("has no battery: give --battery-wh", line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_battery_fields_round_trip_through_deploy_json()
    {
        var config = new OptimizationConfig { BatteryHours = 12, RatePerSecond = 2, MaxPowerWatts = 3.5, ThermalLimitCelsius = 45, BatteryWh = 20 };

        var back = OptimizationConfig.Parse(config.ToJson());

        Assert.Equal(config.BatteryHours, back.BatteryHours);
        Assert.Equal(config.RatePerSecond, back.RatePerSecond);
        Assert.Equal(config.MaxPowerWatts, back.MaxPowerWatts);
        Assert.Equal(config.ThermalLimitCelsius, back.ThermalLimitCelsius);
        Assert.Equal(config.BatteryWh, back.BatteryWh);
    }
}
