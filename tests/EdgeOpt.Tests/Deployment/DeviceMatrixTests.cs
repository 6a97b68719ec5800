using EdgeOpt.Analysis;
using EdgeOpt.Deployment;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.Transformer;

namespace EdgeOpt.Tests.Deployment;

/// <summary>
/// <see cref="DeviceMatrix"/> through its public API on real models: ResNet18, BlazeFace (not developed against) and
/// MiniLM (symbolic dims): one estimated row per device that agrees with <see cref="LatencyEstimator"/>, the backend from
/// the support tables, a suggested config, and a host row measured with ONNX Runtime. No timing assertions.
/// </summary>
public class DeviceMatrixTests
{
    private static readonly string[] SeedDevices = ["iphone-14-pro", "pixel-7", "jetson-orin-nano", "chrome-desktop"];

    private static readonly DeviceMatrixOptions Quick = new() { HostThreads = 1, HostRuns = 3, HostWarmup = 1 };

    [Fact]
    public void ResNet18_gets_one_estimated_row_per_device_matching_the_estimator_and_a_measured_host_row()
    {
        var matrix = DeviceMatrix.Build(Fixtures.ResNet18, SeedDevices, Quick);

        Assert.Equal([.. SeedDevices, DeviceMatrix.HostName], matrix.Rows.Select(r => r.Device));
        using var model = Model.Load(Fixtures.ResNet18);
        foreach (var (row, id) in matrix.Rows.Take(4).Zip(SeedDevices))
        {
            var device = DeviceCatalog.Find(id);
            Assert.Equal(FigureSource.Estimated, row.Source);
            Assert.Null(row.Problem);
            var direct = LatencyEstimator.Estimate(model, device);
            Assert.Equal(direct.TotalMs, row.LatencyMs!.Value, 9);
            Assert.Equal(direct.PeakMemoryBytes, row.MemoryBytes);
            Assert.Equal(direct.FitsClassTarget, row.Fits);
            Assert.Equal(LatencyEstimator.ClassTarget(device.Class), row.ClassTargetBytes);
            Assert.Contains(row.Backend, device.Backends);
            Assert.False(string.IsNullOrEmpty(row.BackendReason));
            var suggested = Assert.IsType<SuggestedConfig>(row.Suggested);
            Assert.True(suggested.EstimatedLatencyMs > 0);
            Assert.InRange(suggested.Threads, 1, device.CpuClusters.Sum(c => c.Cores));
        }
        // Browsers add the initial download; other platforms do not.
        Assert.NotNull(matrix.Rows[3].InitialLoadBytes);
        Assert.Null(matrix.Rows[1].InitialLoadBytes);
        // The Jetson's TensorRT table refuses opset 8, so the unchecked CUDA provider is taken and said to be.
        Assert.Equal(AccelerationBackend.Cuda, matrix.Rows[2].Backend);
        Assert.Null(matrix.Rows[2].Partitions);
        Assert.Contains("opset", matrix.Rows[2].BackendReason, StringComparison.Ordinal);
        // NNAPI takes every ResNet18 node in one partition (its table), as edgeopt compat says.
        Assert.Equal(AccelerationBackend.Nnapi, matrix.Rows[1].Backend);
        Assert.Equal(1, matrix.Rows[1].Partitions);

        var host = matrix.Rows[4];
        Assert.Equal(FigureSource.Measured, host.Source);
        Assert.Equal(1, host.Threads);
        Assert.True(host.LatencyMs > 0);
        Assert.True(host.LatencyP90Ms >= host.LatencyMs);
        // Resident-set growth of this (shared, parallel) test process: 0 is possible when other tests free memory meanwhile.
        Assert.True(host.MemoryBytes >= 0);
        Assert.Contains(matrix.Notes, n => n.StartsWith("measured row: ONNX Runtime on this host", StringComparison.Ordinal));
    }

    [Fact]
    public void BlazeFace_not_developed_against_fits_everywhere_and_int8_asks_for_the_npu_where_there_is_one()
    {
        var matrix = DeviceMatrix.Build(Fixtures.BlazeFace, [.. SeedDevices, "coral-dev-board"], Quick with { Precision = Precision.Int8 });

        Assert.Equal(6, matrix.Rows.Count);
        Assert.All(matrix.Rows.Take(5), r =>
        {
            Assert.Equal(FigureSource.Estimated, r.Source);
            Assert.Equal(Precision.Int8, r.Precision);
            Assert.Null(r.Problem);
            Assert.True(r.Fits, $"{r.Device}: {r.MemoryBytes} bytes");
        });
        // The Coral's Edge TPU computes int8 only: the suggestion is int8 there.
        var coral = matrix.Rows[4];
        Assert.Equal(Precision.Int8, coral.Suggested!.Precision);
        Assert.Equal(FigureSource.Measured, matrix.Rows[5].Source);
        Assert.Contains(matrix.Notes, n => n.Contains("not at int8", StringComparison.Ordinal));
    }

    [Fact]
    public void MiniLM_with_its_sequence_dim_given_gets_every_row_and_a_device_it_cannot_estimate_says_why_without_sinking_the_rest()
    {
        var matrix = DeviceMatrix.Build(MiniLm.ModelPath, SeedDevices, Quick with { DimensionValues = new Dictionary<string, long> { ["sequence"] = 16 } });

        Assert.Equal(5, matrix.Rows.Count);
        foreach (var row in matrix.Rows.Take(4))
            Assert.True(row.LatencyMs > 0 || row.Problem is { Length: > 0 }, $"{row.Device}: neither an estimate nor a reason");
        var host = matrix.Rows[4];
        Assert.Equal(FigureSource.Measured, host.Source);
        Assert.True(host.LatencyMs > 0);
    }

    [Fact]
    public void A_symbolic_dim_without_a_size_is_refused_naming_the_flag_to_add()
    {
        var e = Assert.Throws<UsageException>(() => DeviceMatrix.Build(MiniLm.ModelPath, ["pixel-7"], Quick));
        Assert.Contains("--dim sequence=SIZE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_device_is_refused_before_any_work_with_the_closest_names()
    {
        var e = Assert.Throws<UsageException>(() => DeviceMatrix.Build(Fixtures.ResNet18, ["pixel-7", "pixle-8"], Quick));
        Assert.Contains("unknown device 'pixle-8'", e.Message, StringComparison.Ordinal);
        Assert.Contains("pixel-8", e.Message, StringComparison.Ordinal);
        Assert.Throws<UsageException>(() => DeviceMatrix.Build(Fixtures.ResNet18, [], Quick));
    }

    [Fact]
    public void A_device_json_is_accepted_and_says_which_entry_it_borrows_from_and_no_host_means_estimates_only()
    {
        using var dir = new TempDir();
        var path = dir.File("lab-phone.json");
        File.WriteAllText(path, """{ "platform": "Android", "name": "Lab phone", "memoryGb": 3 }""");

        var matrix = DeviceMatrix.Build(Fixtures.ResNet18, [path, "host"], Quick with { MeasureHost = false });

        Assert.Equal(2, matrix.Rows.Count);
        Assert.All(matrix.Rows, r => Assert.Equal(FigureSource.Estimated, r.Source));
        var custom = matrix.Rows[0];
        Assert.NotNull(custom.BorrowedFrom);
        Assert.Equal(DeviceClass.Low, custom.Class);
        Assert.Equal(100_000_000, custom.ClassTargetBytes);
        Assert.Equal(DeviceMatrix.HostName, matrix.Rows[1].Device);
    }

    [Fact]
    public void Options_out_of_range_are_refused_all_at_once()
    {
        var e = Assert.Throws<InvalidOptionsException>(() =>
            DeviceMatrix.Build(Fixtures.ResNet18, ["pixel-7"], new DeviceMatrixOptions { Batch = 0, HostRuns = 0, HostThreads = 0 }));
        Assert.Equal(3, e.Problems.Count);
    }
}
