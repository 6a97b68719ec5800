using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Devices;

namespace EdgeOpt.Tests.Cli;

/// <summary><c>edgeopt devices</c> through <see cref="CliApp.Run"/>: table, JSON, one device, bad names.</summary>
public class DevicesCommandTests
{
    [Fact]
    public void Json_lists_every_catalogue_device_with_sources()
    {
        var (code, stdout, stderr) = CliHarness.Run("devices", "--json");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", stderr);
        using var doc = JsonDocument.Parse(stdout);
        var devices = doc.RootElement.GetProperty("devices");
        Assert.Equal(DeviceCatalog.All.Count + 1, devices.GetArrayLength()); // the catalogue, then this host
        Assert.Equal("host", devices[devices.GetArrayLength() - 1].GetProperty("id").GetString());
        var s23 = devices.EnumerateArray().Single(d => d.GetProperty("id").GetString() == "galaxy-s23");
        Assert.Equal("android", s23.GetProperty("platform").GetString());
        Assert.Equal(67.2, s23.GetProperty("memoryBandwidthGBps").GetDouble(), 1e-9);
        Assert.Equal("high", s23.GetProperty("class").GetString());
        Assert.Contains("qnn", s23.GetProperty("backends").EnumerateArray().Select(b => b.GetString()));
        Assert.True(s23.GetProperty("sources").GetProperty("memoryBandwidthGBps").GetString()!.Length > 10);
        var cpu = s23.GetProperty("computeUnits").EnumerateArray().First();
        Assert.Equal("cpu", cpu.GetProperty("kind").GetString());
        Assert.True(cpu.GetProperty("peakGops").EnumerateObject().Any());
    }

    [Fact]
    public void Table_shows_every_device_with_memory_peaks_and_backends()
    {
        var (code, stdout, stderr) = CliHarness.Run("devices");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", stderr);
        foreach (var d in DeviceCatalog.All) Assert.Contains(d.Id, stdout, StringComparison.Ordinal);
        foreach (var expected in new[] { "Device catalogue", "204.8 GB/s", "8 GB", "TensorRt", "WebGpu", "GPU 10,000 / 20,000", "NPU 17,000 / 17,000" })
            Assert.Contains(expected, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_with_power_figures_shows_them_with_sources_and_one_without_says_how_to_give_them()
    {
        var (code, stdout, stderr) = CliHarness.Run("devices", "jetson-agx-orin");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", stderr);
        foreach (var text in new[] { "Power", "8 nm", "99 °C", "MAXN", "30W", "Jetson Linux" })
            Assert.Contains(text, stdout, StringComparison.Ordinal);

        var (browser, browserOut, _) = CliHarness.Run("devices", "chrome-desktop");
        Assert.Equal(ExitCodes.Ok, browser);
        Assert.Contains("No power figures", browserOut, StringComparison.Ordinal);
    }

    [Fact]
    public void One_device_is_shown_in_full_with_sources()
    {
        var (code, stdout, stderr) = CliHarness.Run("devices", "orin nano");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", stderr);
        foreach (var expected in new[] { "NVIDIA Jetson Orin Nano 8GB", "68 GB/s", "datasheet", "sparse", "Compute units", "Cortex-A78AE", "15 W" })
            Assert.Contains(expected, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void One_device_as_json_is_the_entry()
    {
        var (code, stdout, _) = CliHarness.Run("devices", "SM-S911", "--json");

        Assert.Equal(ExitCodes.Ok, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("galaxy-s23", doc.RootElement.GetProperty("id").GetString());
        Assert.True(doc.RootElement.GetProperty("batteryWh").GetDouble() > 10);
    }

    [Fact]
    public void Unknown_device_exits_2_with_the_closest_matches_and_no_output()
    {
        var (code, stdout, stderr) = CliHarness.Run("devices", "pixel 9", "--json");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: unknown device 'pixel 9'; closest: ", stderr, StringComparison.Ordinal);
        Assert.Contains("pixel-8", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Host_shows_the_probe_with_measured_peaks_and_bandwidth()
    {
        var (code, stdout, stderr) = CliHarness.Run("devices", "host", "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var host = doc.RootElement.GetProperty("host");
        Assert.Equal(Environment.ProcessorCount, host.GetProperty("logicalCores").GetInt32());
        Assert.Contains(host.GetProperty("ortProviders").EnumerateArray(), p => p.GetString() == "CPUExecutionProvider");
        var device = doc.RootElement.GetProperty("device");
        Assert.Equal("host", device.GetProperty("id").GetString());
        Assert.True(device.GetProperty("memoryBandwidthGBps").GetDouble() > 0);

        var (tableCode, table, _) = CliHarness.Run("devices", "host");
        Assert.Equal(ExitCodes.Ok, tableCode);
        Assert.Contains("measured", table, StringComparison.Ordinal);
        Assert.Contains("ISA features", table, StringComparison.Ordinal);
    }
}
