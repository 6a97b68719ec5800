using EdgeOpt.Progressive;

namespace EdgeOpt.Tests.Progressive;

/// <summary><see cref="LoadPlan"/> arithmetic on a hand-made manifest, and the presets' documented values.</summary>
public sealed class PackagerLoadPlanTests
{
    private static ProgressiveManifest Manifest() => new()
    {
        ModelName = "m",
        ModelSha256 = new string('0', 64),
        Graph = new ChunkFile("g.onnx", 1_000, "", ""),
        TotalBytes = 1_000 + 3_000 + 2_000,
        ChunkSize = 4_096,
        // Listed out of order: the plan fetches by priority.
        Chunks =
        [
            new ManifestChunk { File = "late.bin", Size = 2_000, Sha256 = "", Integrity = "", Priority = 5, Tensors = [new ChunkTensor("b", 0, 2_000, "")] },
            new ManifestChunk { File = "early.bin", Size = 3_000, Sha256 = "", Integrity = "", Priority = 0, Tensors = [new ChunkTensor("a", 0, 1_000, ""), new ChunkTensor("c", 1_024, 1_976, "")] },
        ],
    };

    [Fact]
    public void Stages_fetch_graph_then_chunks_by_priority_with_cumulative_bytes_and_estimated_time()
    {
        var plan = LoadPlan.Create(Manifest(), new LoadPlanOptions { BandwidthBytesPerSecond = 1_000, RequestLatencySeconds = 0.5 });

        Assert.Equal(["g.onnx", "early.bin", "late.bin"], plan.Stages.Select(s => s.File));
        Assert.Equal(["graph", "chunk", "chunk"], plan.Stages.Select(s => s.Kind));
        Assert.Equal([1_000L, 4_000L, 6_000L], plan.Stages.Select(s => s.CumulativeBytes));
        // Each stage: 0.5 s latency + bytes / 1000 B/s.
        Assert.Equal([1.5, 5.0, 7.5], plan.Stages.Select(s => Math.Round(s.EstimatedSeconds, 9)));
        Assert.Equal([0, 2, 1], plan.Stages.Select(s => s.Tensors));
        Assert.Equal(2, plan.SessionReadyAfterStage);
        Assert.Equal(7.5, plan.SessionReadyAfterSeconds, 9);
        Assert.Equal(6_000, plan.PeakMemoryBytes);
        Assert.False(plan.ExceedsMemoryLimit);
    }

    [Fact]
    public void Memory_limit_below_the_schedules_peak_is_flagged()
    {
        var options = new LoadPlanOptions { BandwidthBytesPerSecond = 1e6, MaxMemoryBytes = 5_999 };
        Assert.True(LoadPlan.Create(Manifest(), options).ExceedsMemoryLimit);
        Assert.False(LoadPlan.Create(Manifest(), options with { MaxMemoryBytes = 6_000 }).ExceedsMemoryLimit);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Non_positive_bandwidth_is_refused(double bandwidth)
    {
        var e = Assert.Throws<InvalidOptionsException>(() => LoadPlan.Create(Manifest(), new LoadPlanOptions { BandwidthBytesPerSecond = bandwidth }));
        Assert.Contains("must be a positive number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Presets_follow_chrome_devtools_throttling_profiles()
    {
        Assert.Equal(1.44e6, LoadPlanOptions.Preset("3g")!.BandwidthBytesPerSecond * 8, 6);
        Assert.Equal(0.5625, LoadPlanOptions.Preset("3g")!.RequestLatencySeconds, 9);
        Assert.Equal(8.1e6, LoadPlanOptions.Preset("4G")!.BandwidthBytesPerSecond * 8, 6);
        Assert.Equal(4e5, LoadPlanOptions.Preset("slow-3g")!.BandwidthBytesPerSecond * 8, 6);
        Assert.Equal(30e6, LoadPlanOptions.Preset("wifi")!.BandwidthBytesPerSecond * 8, 6);
        Assert.Null(LoadPlanOptions.Preset("5g"));
    }
}
