using EdgeOpt.Onnx;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Benchmarking;

/// <summary><see cref="ModelBenchmark"/> on small real models run by ONNX Runtime.</summary>
public sealed class ModelBenchmarkTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Measures_every_run_and_summarizes_it_consistently()
    {
        var path = BenchmarkModels.Mlp(_dir, "mlp", width: 64, layers: 2);

        var report = ModelBenchmark.Run([path], new BenchmarkOptions { Runs = 20, Warmup = 2 });

        var r = Assert.Single(report.Results);
        Assert.Equal(path, r.Model);
        Assert.Equal(new FileInfo(path).Length, r.FileBytes);
        Assert.Equal(1, r.Threads);
        Assert.Equal(20, r.LatencySamplesMs.Count);
        Assert.All(r.LatencySamplesMs, s => Assert.True(s > 0));
        var l = r.Latency;
        Assert.Equal(20, l.Count);
        Assert.Equal(r.LatencySamplesMs.Min(), l.Min, 12);
        Assert.Equal(r.LatencySamplesMs.Max(), l.Max, 12);
        Assert.Equal(r.LatencySamplesMs.Average(), l.Mean, 9);
        Assert.True(l.Min <= l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max);
        Assert.Equal(1000 / l.Mean, r.InferencesPerSecond, 6);
        Assert.Equal(r.InferencesPerSecond, r.ItemsPerSecond, 9);
        Assert.True(r.SessionCreationMs > 0);
        Assert.True(r.FirstInferenceMs > 0);
        Assert.Equal(1.0, r.P50Ratio, 12);
        Assert.Equal(1.0, r.ThroughputRatio, 12);
        Assert.Equal(HostDescription.Current, report.MeasuredOn);
        Assert.Equal("cpu", report.ExecutionProvider);
        Assert.Equal(20, report.Runs);
        Assert.Contains("generated", report.Inputs, StringComparison.Ordinal);
    }

    [Fact]
    public void Interleaves_models_and_reports_ratios_against_the_first()
    {
        // The second model does 32x the MACs of the first (16x width² × 2x layers); which is faster is timing, not asserted.
        var small = BenchmarkModels.Mlp(_dir, "small", width: 64, layers: 2);
        var large = BenchmarkModels.Mlp(_dir, "large", width: 256, layers: 4);
        var stages = new List<BenchmarkProgress>();

        var report = ModelBenchmark.Run([small, large], new BenchmarkOptions { Runs = 15, Warmup = 2, Threads = [1, 2] }, new Recorder(stages));

        Assert.Equal(4, report.Results.Count);
        Assert.Equal([1, 1, 2, 2], report.Results.Select(r => r.Threads));
        Assert.Equal([small, large, small, large], report.Results.Select(r => r.Model));
        foreach (var pair in report.Results.Chunk(2))
        {
            var (a, b) = (pair[0], pair[1]);
            Assert.Equal(b.Latency.P50 / a.Latency.P50, b.P50Ratio, 12);
            Assert.Equal(b.InferencesPerSecond / a.InferencesPerSecond, b.ThroughputRatio, 12);
            Assert.True(b.FileBytes > 10 * a.FileBytes);
        }
        Assert.Contains(stages, p => p.Stage.StartsWith("2 threads", StringComparison.Ordinal));
        Assert.Contains(stages, p => p.Total == 15 && p.Done == 15);
    }

    [Fact]
    public void Duration_bounds_the_measuring_time()
    {
        var path = BenchmarkModels.Mlp(_dir, "mlp", width: 64, layers: 2);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var report = ModelBenchmark.Run([path], new BenchmarkOptions { Duration = TimeSpan.FromMilliseconds(300), Warmup = 0 });

        var r = Assert.Single(report.Results);
        Assert.Null(report.Runs);
        Assert.Equal(0.3, report.DurationSeconds!.Value, 9);
        Assert.True(r.LatencySamplesMs.Count > 1);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Real_data_is_batched_and_items_per_second_scale_with_the_batch()
    {
        var path = BenchmarkModels.Image(_dir);
        var data = Path.Combine(Fixtures.FashionMnist, "t10k-images-idx3-ubyte.gz");

        var report = ModelBenchmark.Run([path], new BenchmarkOptions { Data = data, Batch = 4, Runs = 10, Warmup = 1, MaxDataSamples = 3 });

        var r = Assert.Single(report.Results);
        Assert.Equal(4 * r.InferencesPerSecond, r.ItemsPerSecond, 6);
        Assert.Equal(4, report.Batch);
        Assert.Contains("3 feeds of batch 4", report.Inputs, StringComparison.Ordinal);
    }

    [Fact]
    public void Shapes_settle_free_inner_dims()
    {
        var path = BenchmarkModels.FreeInnerDim(_dir);

        var report = ModelBenchmark.Run([path], new BenchmarkOptions { Runs = 3, Warmup = 0, Shapes = new Dictionary<string, long[]> { ["x"] = [1, 16, 8] } });

        Assert.Equal(3, Assert.Single(report.Results).LatencySamplesMs.Count);
    }

    [Fact]
    public void Cancellation_stops_the_run()
    {
        var path = BenchmarkModels.Mlp(_dir, "mlp", width: 64, layers: 2);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.Throws<OperationCanceledException>(() => ModelBenchmark.Run([path], new BenchmarkOptions { Runs = 5 }, cancellation: cancel.Token));
    }

    public static TheoryData<string, string> BadOptions => new()
    {
        { "runs0", "Runs 0: expected a positive number" },
        { "runsAndDuration", "not both" },
        { "threads0", "Threads 0: expected positive thread counts" },
        { "noThreads", "at least one thread count" },
        { "ep", "available: cpu" },
        { "batchFixed", "fixed batch dim of 1" },
        { "shapeRank", "has rank 3" },
        { "shapeFixed", "dim 2 is fixed at 8, not 9" },
        { "shapeUnknownInput", "has no input 'nope'" },
        { "freeDim", "dim 1 is 'height'" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_usage_errors_that_say_what_is_wrong(string scenario, string expected)
    {
        var free = BenchmarkModels.FreeInnerDim(_dir);
        var (paths, options) = scenario switch
        {
            "runs0" => ([free], new BenchmarkOptions { Runs = 0 }),
            "runsAndDuration" => ([free], new BenchmarkOptions { Runs = 5, Duration = TimeSpan.FromSeconds(1) }),
            "threads0" => ([free], new BenchmarkOptions { Threads = [1, 0] }),
            "noThreads" => ([free], new BenchmarkOptions { Threads = [] }),
            "ep" => ([free], new BenchmarkOptions { ExecutionProvider = "nosuchprovider" }),
            "batchFixed" => ([BenchmarkModels.Mlp(_dir, "fixed", 8, 1, batch: 1)], new BenchmarkOptions { Batch = 2 }),
            "shapeRank" => ([free], new BenchmarkOptions { Shapes = Shape([1, 4]) }),
            "shapeFixed" => ([free], new BenchmarkOptions { Shapes = Shape([1, 4, 9]) }),
            "shapeUnknownInput" => ([free], new BenchmarkOptions { Shapes = new Dictionary<string, long[]> { ["nope"] = [1] } }),
            _ => (new[] { free }, new BenchmarkOptions()),
        };

        var e = Assert.ThrowsAny<UsageException>(() => ModelBenchmark.Run(paths, options)); // InvalidOptionsException for the options' own rules

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);

        static Dictionary<string, long[]> Shape(long[] dims) => new() { ["x"] = dims };
    }

    [Fact]
    public void A_model_onnx_runtime_refuses_names_the_file_and_what_to_try()
    {
        var b = new GraphBuilder("bad", opset: 17);
        var x = b.Input("x", DataType.Float, 1, 4);
        b.Output(b.Op("NoSuchOperator", [x]), "y", new TensorType(DataType.Float, new TensorShape(1, 4)));
        var path = _dir.File("bad.onnx");
        using (var model = b.Build()) model.Save(path);

        var e = Assert.Throws<ModelFormatException>(() => ModelBenchmark.Run([path], new BenchmarkOptions { Runs = 1 }));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("NoSuchOperator", e.Message, StringComparison.Ordinal);
        Assert.Contains("edgeopt inspect", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_that_does_not_fit_the_model_is_refused_naming_the_input()
    {
        var path = BenchmarkModels.Image(_dir, channels: 3, size: 32);
        var data = Path.Combine(Fixtures.FashionMnist, "t10k-images-idx3-ubyte.gz");

        var e = Assert.ThrowsAny<EdgeOptException>(() => ModelBenchmark.Run([path], new BenchmarkOptions { Data = data, Runs = 1 }));

        Assert.True(e is DataFormatException or UsageException, e.GetType().Name);
        Assert.Contains("'image'", e.Message, StringComparison.Ordinal);
    }

    private sealed class Recorder(List<BenchmarkProgress> seen) : IProgress<BenchmarkProgress>
    {
        public void Report(BenchmarkProgress value) => seen.Add(value);
    }
}
