using System.Text.Json;
using EdgeOpt.Cli;

namespace EdgeOpt.Tests.Cli;

/// <summary><c>edgeopt matrix</c> end to end on ResNet18 and BlazeFace: the labelled table, the JSON shape, and bad input (exit 2, one line).</summary>
public sealed class MatrixCommandTests
{
    private static readonly string[] Quick = ["--threads", "1", "--runs", "2"];

    [Fact]
    public void The_table_has_a_row_per_device_and_a_measured_host_row_each_labelled()
    {
        var (code, stdout, stderr) = CliHarness.Run(["matrix", Fixtures.ResNet18, "--devices", "iphone-14-pro,pixel-7,jetson-orin-nano,chrome-desktop", .. Quick]);

        Assert.True(code == ExitCodes.Ok, stderr);
        var rows = stdout.Split('\n').Where(l => l.StartsWith("│ ", StringComparison.Ordinal) && (l.Contains("estimated", StringComparison.Ordinal) || l.Contains("measured", StringComparison.Ordinal))).ToList();
        Assert.Equal(4, rows.Count(l => l.Contains("estimated", StringComparison.Ordinal)));
        Assert.Single(rows, l => l.Contains("measured", StringComparison.Ordinal) && l.Contains("host", StringComparison.Ordinal));
        Assert.Contains("pixel-7: backend nnapi runs all", stdout, StringComparison.Ordinal);
        Assert.Contains("pixel-7: suggested", stdout, StringComparison.Ordinal);
        Assert.Contains("note: measured row: ONNX Runtime on this host", stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Json_holds_only_the_matrix_with_every_row_labelled_estimated_or_measured()
    {
        var (code, stdout, stderr) = CliHarness.Run(["matrix", Fixtures.BlazeFace, "--devices", "pixel-7", "--devices", "raspberry-pi-5,safari-ios", "--precision", "fp16", "--json", .. Quick]);

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal("", stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(Path.GetFullPath(Fixtures.BlazeFace), root.GetProperty("file").GetString());
        Assert.Equal("fp16", root.GetProperty("precision").GetString());
        var rows = root.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(["pixel-7", "raspberry-pi-5", "safari-ios", "host"], rows.Select(r => r.GetProperty("device").GetString()));
        Assert.Equal(["estimated", "estimated", "estimated", "measured"], rows.Select(r => r.GetProperty("source").GetString()));
        foreach (var row in rows)
        {
            Assert.True(row.GetProperty("latencyMs").GetDouble() > 0);
            // The host row's memory is the growth of this process's resident set: in a test process shared with parallel
            // tests (whose frees and allocations overlap the measurement) it can be anything from 0 up, so only estimates
            // are held to a positive footprint and to the class fit.
            if (row.GetProperty("source").GetString() == "estimated")
            {
                Assert.True(row.GetProperty("memoryBytes").GetInt64() > 0);
                Assert.True(row.GetProperty("fits").GetBoolean());
            }
            else Assert.True(row.GetProperty("memoryBytes").GetInt64() >= 0);
            Assert.True(row.GetProperty("classTargetBytes").GetInt64() >= 100_000_000);
            Assert.False(string.IsNullOrEmpty(row.GetProperty("backend").GetString()));
            Assert.True(row.GetProperty("suggested").GetProperty("threads").GetInt32() >= 1);
        }
        Assert.Equal(1, rows[3].GetProperty("threads").GetInt32());
        Assert.True(rows[2].TryGetProperty("initialLoadBytes", out _), "a browser row carries its initial load");
        Assert.Equal(JsonValueKind.Array, root.GetProperty("notes").ValueKind);
    }

    [Fact]
    public void No_host_estimates_only()
    {
        var (code, stdout, stderr) = CliHarness.Run("matrix", Fixtures.ResNet18, "--devices", "jetson-nano", "--no-host", "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var row = Assert.Single(doc.RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal("estimated", row.GetProperty("source").GetString());
    }

    [Fact]
    public void An_unknown_device_exits_2_with_one_line_naming_it_and_the_closest()
    {
        var line = CliHarness.UsageErrorLine(CliHarness.Run("matrix", Fixtures.ResNet18, "--devices", "pixel-7,jetsn-orin-nano", "--no-host"));

        Assert.Contains("unknown device 'jetsn-orin-nano'", line, StringComparison.Ordinal);
        Assert.Contains("jetson-orin-nano", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--precision", "int4", "--precision 'int4' is not one of fp32, fp16, int8")]
    [InlineData("--runs", "0", "--runs")]
    [InlineData("--devices", "pixel-7,,chrome-desktop", "--devices has an empty name")]
    [InlineData("--dim", "sequence", "--dim 'sequence': expected NAME=SIZE")]
    public void Bad_options_exit_2_with_one_line_naming_the_flag(string flag, string value, string expected)
    {
        var line = CliHarness.UsageErrorLine(CliHarness.Run("matrix", Fixtures.ResNet18, flag, value));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_model_exits_2()
    {
        var line = CliHarness.UsageErrorLine(CliHarness.Run("matrix", "/nonexistent/model.onnx", "--devices", "pixel-7"));
        Assert.Contains("/nonexistent/model.onnx", line, StringComparison.Ordinal);
    }
}
