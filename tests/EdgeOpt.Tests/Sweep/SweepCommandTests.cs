using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Deployment;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Sweep;

/// <summary>
/// <c>edgeopt sweep</c> end to end on real models (the embedded Fashion-MNIST demo CNN and MediaPipe's BlazeFace) through
/// the in-process Orleans silo: every candidate lands in OUT/results.db, a rerun evaluates none and writes the same
/// report, and bad sweep files are refused whole, before anything is written.
/// </summary>
public sealed class SweepCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_sweep_stores_every_candidate_and_a_rerun_evaluates_none_and_reports_the_same()
    {
        var demo = DemoAssets.WriteTo(_dir.File("demo")).Model;
        File.Copy(Fixtures.BlazeFace, _dir.File("blazeface.onnx"));
        var sweep = WriteSweep($$"""
            {"models": ["{{Path.GetRelativePath(_dir.Path, demo)}}", "blazeface.onnx"], "devices": ["pixel-7", "raspberry-pi-4"],
             "precisions": ["fp32", "int8-dynamic"], "constraints": {"targetLatencyMs": 1000}, "latencyRuns": 3}
            """);
        var output = _dir.File("results");

        var first = CliHarness.Run("sweep", sweep, "-o", output, "--json");
        Assert.True(first.Code == ExitCodes.Ok, $"exit {first.Code}: {first.Err}");
        Assert.Contains("8 evaluated, 0 from the results store", first.Err, StringComparison.Ordinal);
        using (var report = JsonDocument.Parse(first.Out))
        {
            var models = report.RootElement.GetProperty("models").EnumerateArray().ToList();
            Assert.Equal(2, models.Count);
            foreach (var device in models.SelectMany(m => m.GetProperty("devices").EnumerateArray()))
            {
                var rows = device.GetProperty("candidates").EnumerateArray().ToList();
                Assert.Equal(["fp32", "int8-dynamic"], rows.Select(r => r.GetProperty("precision").GetString()));
                Assert.All(rows, r => Assert.Equal("evaluated", r.GetProperty("status").GetString()));
                Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r.GetProperty("host").GetString())));
                Assert.True(device.GetProperty("constraintsMet").GetBoolean());
                Assert.True(device.GetProperty("chosen").GetProperty("onParetoFront").GetBoolean());
            }
        }
        using (var store = ResultsStore.Open(Path.Combine(output, "results.db")))
            Assert.Equal(8, store.Count);
        var files = new[] { "report.json", "report.csv", "report.html" }.ToDictionary(n => n, n => File.ReadAllText(Path.Combine(output, n)));
        Assert.Equal(9, files["report.csv"].Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("Pareto front", files["report.html"], StringComparison.Ordinal);

        var second = CliHarness.Run("sweep", sweep, "-o", output, "--json");
        Assert.True(second.Code == ExitCodes.Ok, $"exit {second.Code}: {second.Err}");
        Assert.Contains("0 evaluated, 8 from the results store", second.Err, StringComparison.Ordinal);
        Assert.Equal(first.Out, second.Out);
        foreach (var (name, text) in files) Assert.Equal(text, File.ReadAllText(Path.Combine(output, name)));

        var rendered = CliHarness.Run("sweep", "report", output, "--json");
        Assert.True(rendered.Code == ExitCodes.Ok, $"exit {rendered.Code}: {rendered.Err}");
        Assert.Equal(first.Out, rendered.Out);
        var table = CliHarness.Run("sweep", "report", output);
        Assert.Equal(ExitCodes.Ok, table.Code);
        Assert.Contains("blazeface.onnx", table.Out, StringComparison.Ordinal);
        Assert.Contains("pixel-7", table.Out, StringComparison.Ordinal);
        Assert.Contains("int8-dynamic", File.ReadAllText(Path.Combine(output, "report.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_widened_sweep_into_the_same_folder_evaluates_only_the_new_candidates_in_parallel()
    {
        var demo = Path.GetRelativePath(_dir.Path, DemoAssets.WriteTo(_dir.File("demo")).Model);
        var output = _dir.File("results");
        var narrow = WriteSweep($$"""{"models": ["{{demo}}"], "devices": ["pixel-7"], "precisions": ["fp32"], "latencyRuns": 2}""");
        var first = CliHarness.Run("sweep", narrow, "-o", output);
        Assert.True(first.Code == ExitCodes.Ok, $"exit {first.Code}: {first.Err}");
        Assert.Contains("1 evaluated, 0 from the results store", first.Err, StringComparison.Ordinal);

        var wide = WriteSweep($$"""{"models": ["{{demo}}"], "devices": ["pixel-7", "jetson-nano"], "precisions": ["fp32", "fp16"], "latencyRuns": 2}""");
        Assert.Equal(ExitCodes.Usage, CliHarness.Run("sweep", wide, "-o", output, "--parallel", "0").Code);
        var second = CliHarness.Run("sweep", wide, "-o", output, "--parallel", "2", "--json");

        Assert.True(second.Code == ExitCodes.Ok, $"exit {second.Code}: {second.Err}");
        Assert.Contains("3 evaluated, 1 from the results store", second.Err, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(second.Out);
        var rows = report.RootElement.GetProperty("models")[0].GetProperty("devices").EnumerateArray()
            .SelectMany(d => d.GetProperty("candidates").EnumerateArray()).ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal("evaluated", r.GetProperty("status").GetString()));
        using var store = ResultsStore.Open(Path.Combine(output, "results.db"));
        Assert.Equal(4, store.Count);
    }

    [Fact]
    public void Constraints_no_variant_meets_exit_3_with_the_closest_chosen_and_the_reports_written()
    {
        var demo = DemoAssets.WriteTo(_dir.File("demo")).Model;
        var sweep = WriteSweep($$"""
            {"models": ["{{Path.GetRelativePath(_dir.Path, demo)}}"], "devices": ["raspberry-pi-4"], "precisions": ["fp32", "fp16"],
             "constraints": {"targetLatencyMs": 0.000001}, "latencyRuns": 2}
            """);
        var output = _dir.File("results");

        var (code, stdout, stderr) = CliHarness.Run("sweep", sweep, "-o", output, "--json");

        Assert.True(code == ExitCodes.ConstraintsNotMet, $"exit {code}: {stderr}");
        Assert.Contains("error: no variant meets the constraints for fashion-cnn.onnx on raspberry-pi-4", stderr, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(stdout);
        var device = report.RootElement.GetProperty("models")[0].GetProperty("devices")[0];
        Assert.False(device.GetProperty("constraintsMet").GetBoolean());
        Assert.False(device.GetProperty("chosen").GetProperty("meetsConstraints").GetBoolean());
        Assert.Equal(stdout, File.ReadAllText(Path.Combine(output, "report.json")));
        Assert.Contains("<svg class=\"chart pareto\"", File.ReadAllText(Path.Combine(output, "report.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_file_with_several_problems_lists_them_all_and_writes_nothing()
    {
        var demo = DemoAssets.WriteTo(_dir.File("demo")).Model;
        var sweep = WriteSweep($$"""
            {"models": ["{{Path.GetRelativePath(_dir.Path, demo)}}", "missing.onnx"], "devices": ["pixel-7", "pixel-77", "raspbery-pi-4"],
             "precisions": ["fp32", "int3"], "constraints": {"targetLatencyMs": -5}, "color": "blue"}
            """);
        var output = _dir.File("results");

        var line = CliHarness.UsageErrorLine(CliHarness.Run("sweep", sweep, "-o", output));

        Assert.Contains("6 problems, nothing was run", line, StringComparison.Ordinal);
        Assert.Contains("models[1] 'missing.onnx': no such file", line, StringComparison.Ordinal);
        Assert.Contains("devices[1]: unknown device 'pixel-77'; closest: pixel-7", line, StringComparison.Ordinal);
        Assert.Contains("devices[2]: unknown device 'raspbery-pi-4'; closest: raspberry-pi-4", line, StringComparison.Ordinal);
        Assert.Contains("precisions[1] 'int3': expected one of fp32, fp16, int8-dynamic, int4", line, StringComparison.Ordinal);
        Assert.Contains("constraints.targetLatencyMs: expected a positive number, got -5", line, StringComparison.Ordinal);
        Assert.Contains("unknown field 'color'", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("{\"models\": [\"a.onnx\"", "is not valid JSON")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{}", "models: missing")]
    public void A_malformed_sweep_file_is_a_usage_error_and_writes_nothing(string json, string expected)
    {
        var output = _dir.File("results");
        var line = CliHarness.UsageErrorLine(CliHarness.Run("sweep", WriteSweep(json), "-o", output));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_folder_holding_other_files_is_refused_and_left_untouched()
    {
        var demo = DemoAssets.WriteTo(_dir.File("demo")).Model;
        var sweep = WriteSweep($$"""{"models": ["{{Path.GetRelativePath(_dir.Path, demo)}}"], "devices": ["pixel-7"], "precisions": ["fp32"]}""");
        var output = Directory.CreateDirectory(_dir.File("mine")).FullName;
        File.WriteAllText(Path.Combine(output, "notes.txt"), "keep me");

        var line = CliHarness.UsageErrorLine(CliHarness.Run("sweep", sweep, "-o", output));

        Assert.Contains("holds no sweep", line, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.GetFiles(output).Select(Path.GetFileName));
    }

    [Fact]
    public void Report_of_a_folder_that_is_not_a_sweep_is_a_usage_error()
    {
        var line = CliHarness.UsageErrorLine(CliHarness.Run("sweep", "report", _dir.Path));
        Assert.Contains("is not a sweep folder", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sweep")]
    [InlineData("sweep report")]
    public void Help_describes_the_command(string command)
    {
        var (code, output, _) = CliHarness.Run([.. command.Split(' '), "--help"]);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("--json", output, StringComparison.Ordinal);
    }

    private string WriteSweep(string json)
    {
        var path = _dir.File("sweep.json");
        File.WriteAllText(path, json);
        return path;
    }
}
