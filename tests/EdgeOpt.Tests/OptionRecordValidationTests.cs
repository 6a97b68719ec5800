using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Serialization;
using EdgeOpt.Progressive;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests;

/// <summary>
/// Options records other than <see cref="Quantization.QuantizerOptions"/> validate themselves the same way: every
/// problem at once, named by member in the library and by flag on the CLI (<see cref="OptionFlags"/>).
/// </summary>
public sealed class OptionRecordValidationTests
{
    [Fact]
    public void Benchmark_options_report_every_problem_at_once()
    {
        var options = new BenchmarkOptions { Runs = 0, Duration = TimeSpan.FromSeconds(-1), Warmup = -1, Batch = 0, Threads = [2, 0, 2], Data = "x.npy",
            Shapes = new Dictionary<string, long[]> { ["x"] = [1] } };

        var problems = options.Validate();

        Assert.Equal(
        [
            "give either a run count (Runs) or a duration (Duration), not both",
            "Runs 0: expected a positive number of measured inferences",
            "Duration -1: expected a positive number of seconds",
            "Warmup -1: expected zero or more warmup inferences",
            "Batch 0: expected a positive batch size",
            "Threads 0: expected positive thread counts, e.g. 1,2,4",
            "Threads 2,0,2: a thread count is repeated",
            "Shapes fixes generated inputs; with Data the data gives the shapes (drop Shapes)",
        ], problems.Select(p => p.Message));
        Assert.Equal("--shape fixes generated inputs; with --data the data gives the shapes (drop --shape)", problems[^1].Format(OptionFlags.Name));
        Assert.Empty(new BenchmarkOptions().Validate());
    }

    [Fact]
    public void Load_plan_options_report_every_problem_at_once()
    {
        var problems = new LoadPlanOptions { BandwidthBytesPerSecond = 0, RequestLatencySeconds = -0.005, MaxMemoryBytes = 0 }.Validate();

        Assert.Equal(
        [
            "BandwidthBytesPerSecond 0 bytes/s must be a positive number",
            "RequestLatencySeconds -0.005 s must be zero or positive",
            "MaxMemoryBytes 0 bytes must be positive",
        ], problems.Select(p => p.Message));
        Assert.Equal("--latency-ms -0.005 s must be zero or positive", problems[1].Format(OptionFlags.Name));
        Assert.Empty(LoadPlanOptions.Fast4G.Validate());
    }

    [Fact]
    public void Saving_refuses_a_negative_external_data_threshold_and_writes_nothing()
    {
        using var dir = new TempDir();
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var path = dir.File("m.onnx");

        var e = Assert.Throws<InvalidOptionsException>(() => model.Save(path, new ModelSaveOptions { ExternalData = true, ExternalDataThreshold = -1 }));

        Assert.Equal("ExternalDataThreshold -1: expected a size in bytes, 0 or more", e.Message);
        Assert.Equal("--external-data-threshold -1: expected a size in bytes, 0 or more", e.Format(OptionFlags.Name));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}
