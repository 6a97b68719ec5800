using System.Text.Json;
using EdgeOpt.Cli;

namespace EdgeOpt.Tests.Cli;

/// <summary><c>edgeopt power</c> end to end: the labelled tables, JSON, the validation table, custom devices and bad input (one line, non-zero exit).</summary>
public sealed class PowerCommandTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _demo;

    public PowerCommandTests()
    {
        _demo = _dir.File("fashion-cnn.onnx");
        File.WriteAllBytes(_demo, DemoAssets.ModelBytes());
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Table_shows_energy_modes_battery_thermal_and_sources_labelled_estimated()
    {
        var (code, stdout, stderr) = CliHarness.Run("power", _demo, "--device", "Pixel 8", "--rate", "10/s", "--precision", "int8", "--unit", "cpu");

        Assert.True(code == 0, stderr);
        Assert.Contains("ESTIMATED", stdout, StringComparison.Ordinal);
        Assert.Contains("Expected battery life:", stdout, StringComparison.Ordinal);
        foreach (var section in new[] { "Power modes", "battery-saver", "Energy per inference by mode", "Race to idle vs paced", "Thermal", "Horowitz", "fitted" })
            Assert.Contains(section, stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Json_has_the_modes_the_battery_sentence_and_the_coefficients()
    {
        var (code, stdout, stderr) = CliHarness.Run("power", _demo, "--device", "galaxy-s23", "--duty", "0.1", "--mode", "balanced", "--json");

        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("estimated", root.GetProperty("provenance").GetString());
        Assert.Equal("balanced", root.GetProperty("mode").GetString());
        Assert.Equal(3, root.GetProperty("modes").GetArrayLength());
        var battery = root.GetProperty("battery");
        Assert.StartsWith("Expected battery life: ", battery.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.True(battery.GetProperty("hours").GetDouble() > 0);
        var energy = root.GetProperty("selected").GetProperty("energy");
        Assert.True(energy.GetProperty("totalJ").GetDouble() > energy.GetProperty("computeJ").GetDouble());
        Assert.Contains(root.GetProperty("coefficients").EnumerateArray(), c => c.GetProperty("fitted").GetBoolean());
    }

    [Fact]
    public void Validate_prints_every_anchor_with_its_role_and_ratio()
    {
        var (code, stdout, stderr) = CliHarness.Run("power", "--validate", "--json");

        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var anchors = doc.RootElement.GetProperty("anchors").EnumerateArray().ToList();
        Assert.Equal(7, anchors.Count);
        Assert.Equal(3, anchors.Count(a => a.GetProperty("role").GetString() == "fitted"));
        Assert.All(anchors, a => Assert.True(a.GetProperty("ratio").GetDouble() > 0));
        Assert.Equal(4, doc.RootElement.GetProperty("heldOut").GetInt32());
    }

    [Fact]
    public void A_custom_device_with_a_power_object_is_analysed_and_one_without_is_refused()
    {
        var with = _dir.File("board.json");
        File.WriteAllText(with, """
            { "platform": "LinuxEmbedded", "name": "My Board", "cpu": "RK3588", "memoryGb": 8,
              "power": { "processNm": 8, "idleW": 2, "thermalLimitC": 85, "thermalTimeConstantS": 200, "thermalResistanceCPerW": 6,
                         "sources": { "idleW": "measured with a USB meter" } } }
            """);
        var without = _dir.File("plain.json");
        File.WriteAllText(without, """{ "platform": "LinuxEmbedded", "name": "Plain Board", "cpu": "RK3588", "memoryGb": 8 }""");

        var (ok, stdout, stderr) = CliHarness.Run("power", _demo, "--device", with, "--battery-wh", "20", "--rate", "5", "--json");
        Assert.True(ok == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(6, doc.RootElement.GetProperty("thermal").GetProperty("resistanceCPerW").GetDouble());
        Assert.Equal(20, doc.RootElement.GetProperty("battery").GetProperty("capacityWh").GetDouble());

        var (code, refusedOut, error) = CliHarness.Run("power", _demo, "--device", without);
        Assert.Equal(2, code);
        Assert.Equal("", refusedOut);
        Assert.Contains("device 'Plain Board' has no power figures", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--rate", "-3", "--rate must be a positive number of inferences per second, got -3")]
    [InlineData("--rate", "0", "--rate must be a positive number of inferences per second, got 0")]
    [InlineData("--rate", "fast", "--rate 'fast' is not a number of inferences per second")]
    [InlineData("--duty", "1.5", "--duty must be in (0, 1], got 1.5")]
    [InlineData("--duty", "0", "--duty must be in (0, 1], got 0")]
    [InlineData("--battery-wh", "-1", "--battery-wh must be a positive number of watt-hours, got -1")]
    [InlineData("--mode", "turbo", "--mode 'turbo' is not one of performance, balanced, battery-saver")]
    [InlineData("--device", "chrome-desktop", "has no power figures")]
    [InlineData("--device", "host", "has no power figures")]
    public void Bad_input_exits_2_with_one_line(string flag, string value, string expected)
    {
        var args = new List<string> { "power", _demo, flag, value };
        if (flag != "--device") args.AddRange(["--device", "pixel-8"]);
        var before = File.ReadAllBytes(_demo);

        var (code, stdout, stderr) = CliHarness.Run([.. args]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Equal(before, File.ReadAllBytes(_demo));
    }

    [Fact]
    public void Rate_and_duty_together_or_no_device_are_refused()
    {
        var (both, _, bothError) = CliHarness.Run("power", _demo, "--device", "pixel-8", "--rate", "2", "--duty", "0.5");
        Assert.Equal(2, both);
        Assert.Contains("--rate and --duty cannot both be given", bothError, StringComparison.Ordinal);

        var (none, _, noneError) = CliHarness.Run("power", _demo);
        Assert.Equal(2, none);
        Assert.Contains("--device is needed", noneError, StringComparison.Ordinal);
    }
}
