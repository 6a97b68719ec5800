using System.Text.Json;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Tests.Benchmarking;

namespace EdgeOpt.Tests.Cli;

/// <summary><c>edgeopt benchmark</c> end to end: tables, JSON with raw samples, and bad input (exit 2, one line).</summary>
public sealed class BenchmarkCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Prints_one_table_per_thread_count_with_ratio_columns()
    {
        var a = BenchmarkModels.Mlp(_dir, "small", width: 64, layers: 2);
        var b = BenchmarkModels.Mlp(_dir, "large", width: 256, layers: 4);

        var (code, stdout, stderr) = CliHarness.Run("benchmark", a, b, "--threads", "1,2", "--runs", "5", "--warmup", "1");

        Assert.True(code == 0, stderr);
        Assert.Contains("1 thread", stdout, StringComparison.Ordinal);
        Assert.Contains("2 threads", stdout, StringComparison.Ordinal);
        Assert.Contains("p50 ratio", stdout, StringComparison.Ordinal);
        Assert.Contains("small.onnx", stdout, StringComparison.Ordinal);
        Assert.Contains("large.onnx", stdout, StringComparison.Ordinal);
        Assert.Contains("1.00×", stdout, StringComparison.Ordinal);
        Assert.Contains("Session creation ms", stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Json_holds_every_raw_sample_and_the_summary()
    {
        var a = BenchmarkModels.Mlp(_dir, "small", width: 64, layers: 2);

        var (code, stdout, stderr) = CliHarness.Run("benchmark", a, "--runs", "7", "--warmup", "0", "--batch", "3", "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("batch").GetInt32());
        Assert.True(root.GetProperty("measuredOn").GetProperty("logicalCores").GetInt32() > 0);
        var result = Assert.Single(root.GetProperty("results").EnumerateArray().ToList());
        var samples = result.GetProperty("latencySamplesMs").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(7, samples.Count);
        Assert.Equal(samples.Average(), result.GetProperty("latency").GetProperty("mean").GetDouble(), 9);
        Assert.Equal(3 * result.GetProperty("inferencesPerSecond").GetDouble(), result.GetProperty("itemsPerSecond").GetDouble(), 6);
    }

    [Theory]
    [InlineData("--runs 0", "--runs 0")]
    [InlineData("--runs 5 --duration 1", "not both")]
    [InlineData("--threads 1,x", "--threads 'x'")]
    [InlineData("--ep nosuchprovider", "available: cpu")]
    [InlineData("--shape x=1xAx8", "--shape 'x=1xAx8'")]
    [InlineData("--shape x=1x4x9", "dim 2 is fixed at 8, not 9")]
    [InlineData("--shape nope=1x4x8", "has no input 'nope'")]
    [InlineData("", "give its full shape with --shape x=1xNx8")]
    [InlineData("--duration -1", "--duration -1")]
    [InlineData("--batch 0", "--batch 0")]
    public void Bad_input_exits_2_with_one_line(string flags, string expected)
    {
        var free = BenchmarkModels.FreeInnerDim(_dir);

        var (code, stdout, stderr) = CliHarness.Run(["benchmark", free, .. flags.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_model_onnx_runtime_cannot_load_exits_2_naming_it()
    {
        var b = new GraphBuilder("bad", opset: 17);
        var x = b.Input("x", DataType.Float, 1, 4);
        b.Output(b.Op("NoSuchOperator", [x]), "y", new TensorType(DataType.Float, new TensorShape(1, 4)));
        var path = _dir.File("bad.onnx");
        using (var model = b.Build()) model.Save(path);
        var before = File.ReadAllBytes(path);

        var (code, stdout, stderr) = CliHarness.Run("benchmark", path, "--runs", "1");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(path, stderr, StringComparison.Ordinal);
        Assert.Contains("edgeopt inspect", stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Data_that_does_not_fit_exits_2()
    {
        var path = BenchmarkModels.Image(_dir, channels: 3, size: 32);

        var (code, _, stderr) = CliHarness.Run("benchmark", path, "--data", Path.Combine(Fixtures.FashionMnist, "t10k-images-idx3-ubyte.gz"));

        Assert.Equal(2, code);
        Assert.Contains("'image'", stderr, StringComparison.Ordinal);
    }
}

/// <summary>
/// ResNet18 FP32 against its optimized version through the CLI: both models measured interleaved, the baseline's p50
/// ratio exactly 1 and the candidate's a real, finite ratio. Whether that ratio is stable from run to run is a timing
/// property and belongs to the benchmarks (docs/benchmarks.md, `edgeopt benchmark` run twice), not to a test that must
/// stay green on a busy machine.
/// </summary>
public sealed class BenchmarkResNet18AcceptanceTests
{
    [Fact]
    public void ResNet18_against_its_optimized_version_reports_a_p50_ratio()
    {
        using var dir = new TempDir();
        var optimized = dir.File("resnet18-optimized.onnx");
        using (var model = Model.Load(Fixtures.ResNet18))
        {
            ModelOptimizer.Optimize(model, new OptimizationOptions { Level = PassLevel.Extended, TargetOpset = 17 });
            model.Save(optimized);
        }

        var (code, table, stderr) = CliHarness.Run("benchmark", Fixtures.ResNet18, optimized, "--runs", "3", "--warmup", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains("ResNet18.onnx", table, StringComparison.Ordinal);
        Assert.Contains("resnet18-optimized.onnx", table, StringComparison.Ordinal);
        Assert.Contains("p50 ratio", table, StringComparison.Ordinal);

        var ratio = P50Ratio(Fixtures.ResNet18, optimized);
        Assert.True(double.IsFinite(ratio) && ratio > 0, $"p50 ratio {ratio}");
    }

    private static double P50Ratio(string baseline, string candidate)
    {
        var (code, stdout, stderr) = CliHarness.Run("benchmark", baseline, candidate, "--runs", "5", "--warmup", "1", "--threads", "1", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(2, results.Count);
        Assert.Equal(1.0, results[0].GetProperty("p50Ratio").GetDouble(), 12);
        return results[1].GetProperty("p50Ratio").GetDouble();
    }
}
