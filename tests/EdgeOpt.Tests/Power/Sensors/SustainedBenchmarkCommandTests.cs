using System.Text.Json;
using EdgeOpt.Tests.Benchmarking;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Power.Sensors;

/// <summary><c>edgeopt benchmark MODEL --sustained DURATION</c>: the window table, JSON only on stdout with --json, and bad values (exit 2, one line).</summary>
[Collection(nameof(TimingSensitive))]
public sealed class SustainedBenchmarkCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("--sustained soon", "error: --sustained 'soon': expected a duration such as 90s, 10m, 1h or 00:10:00")]
    [InlineData("--sustained 2x", "error: --sustained '2x': expected a duration such as 90s, 10m, 1h or 00:10:00")]
    [InlineData("--sustained 0s", "error: --sustained 0s: expected a positive duration")]
    [InlineData("--sustained 30s --runs 5", "error: --sustained bounds a sustained run; leave --runs unset")]
    [InlineData("--sustained 30s --threads 1,2", "error: --threads 1,2: a sustained run measures one thread count")]
    public void A_bad_value_exits_2_with_one_line(string flags, string expected)
    {
        var model = BenchmarkModels.Mlp(_dir, "mlp", width: 16, layers: 1);

        var line = CliHarness.UsageErrorLine(CliHarness.Run(["benchmark", model, .. flags.Split(' ')]));

        Assert.Equal(expected, line);
    }

    [Fact]
    public void Two_models_are_refused_since_a_sustained_run_measures_one()
    {
        var a = BenchmarkModels.Mlp(_dir, "a", width: 16, layers: 1);
        var b = BenchmarkModels.Mlp(_dir, "b", width: 16, layers: 1);

        var line = CliHarness.UsageErrorLine(CliHarness.Run("benchmark", a, b, "--sustained", "30s"));

        Assert.Equal("error: --sustained runs one model, not 2: give a single MODEL", line);
    }

    [Fact]
    public void Json_has_the_windows_the_drift_the_verdict_and_every_sensor_kind()
    {
        var model = BenchmarkModels.Mlp(_dir, "mlp", width: 32, layers: 2);

        var (code, stdout, stderr) = CliHarness.Run("benchmark", model, "--sustained", "2s", "--warmup", "1", "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        var windows = root.GetProperty("windows").EnumerateArray().ToList();
        Assert.Equal(10, windows.Count);
        Assert.All(windows, w => Assert.True(w.GetProperty("inferences").GetInt32() > 0 && w.GetProperty("medianMs").GetDouble() > 0));
        Assert.Equal(windows.Sum(w => w.GetProperty("inferences").GetInt64()), root.GetProperty("inferences").GetInt64());
        var drift = root.GetProperty("latencyDrift").GetDouble();
        Assert.True(double.IsFinite(drift) && drift > 0);
        Assert.Equal(1.15, root.GetProperty("driftThreshold").GetDouble());
        Assert.Contains(root.GetProperty("throttlingSuspected").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("throttlingReason").GetString()));
        var sensors = root.GetProperty("sensors").EnumerateArray().ToList();
        Assert.Equal(["rapl", "battery", "ina3221", "nvml", "thermal", "cpuFrequency"], sensors.Select(s => s.GetProperty("kind").GetString()));
        Assert.All(sensors, s => Assert.Equal(s.GetProperty("available").GetBoolean() ? "measured: " : "not available: ",
            s.GetProperty("detail").GetString()![..(s.GetProperty("available").GetBoolean() ? 10 : 15)]));
        Assert.Equal("cpu", root.GetProperty("executionProvider").GetString());
        Assert.True(root.GetProperty("measuredOn").GetProperty("logicalCores").GetInt32() > 0);
    }

    [Fact]
    public void The_table_shows_a_row_per_window_the_drift_and_the_sensors()
    {
        var model = BenchmarkModels.Mlp(_dir, "mlp", width: 32, layers: 1);

        var (code, stdout, stderr) = CliHarness.Run("benchmark", model, "--sustained", "1s", "--warmup", "0");

        Assert.True(code == 0, stderr);
        Assert.Contains("Sustained run", stdout, StringComparison.Ordinal);
        Assert.Contains("p50 ms", stdout, StringComparison.Ordinal);
        Assert.Contains("Latency drift (last window p50 / first)", stdout, StringComparison.Ordinal);
        Assert.Matches(@"(Throttling suspected|No throttling seen):", stdout);
        foreach (var kind in new[] { "Rapl", "Battery", "Ina3221", "Nvml", "Thermal", "CpuFrequency" }) Assert.Contains(kind, stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Power_measure_is_the_sustained_run_on_this_machine()
    {
        var model = BenchmarkModels.Mlp(_dir, "mlp", width: 16, layers: 1);

        var (code, stdout, stderr) = CliHarness.Run("power", model, "--measure", "1s", "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(10, json.RootElement.GetProperty("windows").GetArrayLength());
        Assert.True(json.RootElement.GetProperty("inferences").GetInt64() > 0);
        Assert.Equal(6, json.RootElement.GetProperty("sensors").GetArrayLength());
    }

    [Theory]
    [InlineData("--device pixel-8", "error: --measure measures this machine, not 'pixel-8': run it on the device, or drop --measure to estimate 'pixel-8'")]
    [InlineData("--device host --measure", "error: --measure 'soon': expected a duration such as 90s, 10m, 1h or 00:10:00")]
    public void Power_measure_refuses_a_target_device_and_a_bad_duration(string flags, string expected)
    {
        var model = BenchmarkModels.Mlp(_dir, "mlp", width: 16, layers: 1);
        var args = flags.EndsWith("--measure", StringComparison.Ordinal) ? [.. flags.Split(' '), "soon"] : flags.Split(' ').Concat(["--measure", "1s"]).ToArray();

        var line = CliHarness.UsageErrorLine(CliHarness.Run(["power", model, .. args]));

        Assert.Equal(expected, line);
    }

    [Fact]
    public void Power_shape_without_measure_is_refused_and_with_it_fixes_a_free_dim()
    {
        var model = BenchmarkModels.Mlp(_dir, "mlp", width: 16, layers: 1);
        const string input = "x"; // BenchmarkModels.Mlp's input, [N, 16]

        var line = CliHarness.UsageErrorLine(CliHarness.Run("power", model, "--device", "pixel-8", "--shape", $"{input}=1x16"));
        Assert.Equal("error: --shape is for --measure (generated inputs of the measured run); an estimate takes symbolic dims with --dim NAME=SIZE", line);

        var (code, stdout, stderr) = CliHarness.Run("power", model, "--measure", "1s", "--shape", $"{input}=2x16", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.True(json.RootElement.GetProperty("inferences").GetInt64() > 0);
    }
}
