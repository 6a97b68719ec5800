using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Cli;

/// <summary><c>edgeopt estimate</c> end to end: the labelled table, JSON with every node and the method, and bad input (exit 2, one line).</summary>
public sealed class EstimateCommandTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _demo;

    public EstimateCommandTests()
    {
        _demo = _dir.File("fashion-cnn.onnx");
        File.WriteAllBytes(_demo, DemoAssets.ModelBytes());
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Table_is_labelled_estimated_with_its_method()
    {
        var (code, stdout, stderr) = CliHarness.Run("estimate", _demo, "--device", "Pixel 8", "--precision", "int8");

        Assert.True(code == 0, stderr);
        Assert.Contains("ESTIMATED", stdout, StringComparison.Ordinal);
        Assert.Contains("method: roofline", stdout, StringComparison.Ordinal);
        Assert.Contains("Google Pixel 8", stdout, StringComparison.Ordinal);
        Assert.Contains("Conv", stdout, StringComparison.Ordinal);
        Assert.Contains("Peak footprint", stdout, StringComparison.Ordinal);
        Assert.Contains("500 MB target for a high-end device: fits", stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Json_holds_every_node_and_the_method()
    {
        var (code, stdout, stderr) = CliHarness.Run("estimate", _demo, "--device", "chrome-desktop", "--json");

        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        using var model = Model.Load(_demo);
        Assert.Equal("estimated", root.GetProperty("provenance").GetString());
        Assert.StartsWith("roofline:", root.GetProperty("method").GetString(), StringComparison.Ordinal);
        Assert.Equal(model.Graph.Nodes.Count, root.GetProperty("nodes").GetArrayLength());
        var nodesMs = root.GetProperty("nodes").EnumerateArray().Sum(n => n.GetProperty("estimatedMs").GetDouble());
        Assert.Equal(root.GetProperty("totalMs").GetDouble(), nodesMs + root.GetProperty("runOverheadMs").GetDouble(), 1e-9);
        Assert.True(root.GetProperty("totalMs").GetDouble() > 0);
        Assert.Equal("cpu", root.GetProperty("unit").GetString());
        Assert.True(root.GetProperty("fitsBrowserInitialLoad").GetBoolean());
        Assert.Equal(new FileInfo(_demo).Length, root.GetProperty("modelFileBytes").GetInt64());
    }

    [Theory]
    [InlineData("--device", "pixel 99", "unknown device 'pixel 99'; closest:")]
    [InlineData("--precision", "fp64", "--precision 'fp64' is not one of fp32, fp16, int8")]
    [InlineData("--unit", "npu", "device 'Raspberry Pi 5 (8GB)' has no NPU with a fp32 peak (it has fp32 on CPU, fp16 on CPU, int8 on CPU)")]
    [InlineData("--batch", "0", "--batch must be 1 or more, got 0")]
    [InlineData("--threads", "0", "--threads must be 1 or more, got 0")]
    public void Bad_options_exit_2_with_one_line(string option, string value, string expected)
    {
        string[] args = option == "--device" ? ["estimate", _demo, option, value] : ["estimate", _demo, "--device", "rpi5", option, value];
        var (code, stdout, stderr) = CliHarness.Run(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_model_that_cannot_be_costed_names_the_node()
    {
        var b = new GraphBuilder("custom");
        var x = b.Input("x", DataType.Float, 1, 8);
        b.Output(b.AddNode("Mystery", [x], name: "odd", domain: "com.example").Outputs[0], "y");
        b.Opset("com.example", 1);
        var path = _dir.File("custom.onnx");
        using (var model = b.Build()) model.Save(path);

        var (code, _, stderr) = CliHarness.Run("estimate", path, "--device", "pixel-8");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("custom.onnx: node 'odd' (Mystery) cannot be costed", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_model_exits_2()
    {
        var (code, _, stderr) = CliHarness.Run("estimate", _dir.File("missing.onnx"), "--device", "pixel-8");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("missing.onnx", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_estimate_is_built_from_a_fresh_calibration_with_recalibrate()
    {
        var before = DateTimeOffset.UtcNow;
        var (code, stdout, stderr) = CliHarness.Run("estimate", _demo, "--device", "host", "--threads", "1", "--recalibrate", "--json");

        Assert.True(code == 0, stderr);
        Assert.Contains("calibrating ONNX Runtime kernels", stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(stdout);
        var method = doc.RootElement.GetProperty("method").GetString()!;
        Assert.Contains("calibrated on this host from ORT kernels", method, StringComparison.Ordinal);
        Assert.DoesNotContain(", cached)", method, StringComparison.Ordinal); // measured by this run, not read back
        Assert.Equal(1, doc.RootElement.GetProperty("threads").GetInt32());
        Assert.True(doc.RootElement.GetProperty("totalMs").GetDouble() > 0);
        // The cache now holds a calibration at least as new as this run.
        var cached = EdgeOpt.Analysis.HostCalibrator.GetOrRun();
        Assert.True(cached.MeasuredAt >= before.AddSeconds(-1), $"{cached.MeasuredAt} vs {before}");
    }
}
