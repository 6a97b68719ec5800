using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Estimation;

/// <summary>
/// The host calibration's structure, never its speed: it times real ONNX Runtime kernels into positive per-class
/// figures, is cached per fingerprint and reused, a corrupt cache is ignored and redone, Recalibrate redoes it, and the
/// host estimate is built from it and says so. Each test uses its own cache folder and short kernel times.
/// </summary>
public sealed class HostCalibrationTests : IDisposable
{
    private static readonly string[] OpClasses = ["conv", "pointwise-conv", "depthwise-conv", "matmul", "elementwise"];
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private HostCalibrationOptions Options(bool recalibrate = false) => new()
    {
        CacheDirectory = _dir.Path,
        Recalibrate = recalibrate,
        Threads = [1, 2],
        TimePerKernel = TimeSpan.FromMilliseconds(5),
    };

    [Fact]
    public void Calibration_times_real_kernels_into_positive_figures_per_class_and_thread_count()
    {
        var calibration = HostCalibrator.GetOrRun(Options());

        Assert.Equal([1, 2], calibration.Points.Select(p => p.Threads));
        foreach (var point in calibration.Points)
        {
            Assert.Equal(OpClasses.Order(), point.GopsByOpClass.Keys.Order());
            Assert.All(point.GopsByOpClass.Values, g => Assert.True(g > 0 && double.IsFinite(g), $"GOPS {g}"));
            Assert.True(point.BandwidthGBps > 0);
            Assert.True(point.NodeOverheadUs >= 0 && point.RunOverheadUs >= 0);
            Assert.False(point.Interpolated);
        }
        Assert.Equal(HostCalibrator.Fingerprint, calibration.Fingerprint);
        Assert.Contains("ONNX Runtime", calibration.Fingerprint, StringComparison.Ordinal);
        Assert.Contains("MatMul [128×384]·[384×1536]", calibration.Method, StringComparison.Ordinal);
        Assert.False(calibration.FromCache);
        Assert.True(File.Exists(calibration.CachePath));
        Assert.StartsWith(_dir.Path, calibration.CachePath, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cached_calibration_is_reused_and_Recalibrate_redoes_it()
    {
        var first = HostCalibrator.GetOrRun(Options());
        var again = HostCalibrator.GetOrRun(Options());

        Assert.True(again.FromCache);
        Assert.Equal(first.MeasuredAt, again.MeasuredAt);
        Assert.Equal(first.Points[0].GopsByOpClass["conv"], again.Points[0].GopsByOpClass["conv"], 1e-9);

        var redone = HostCalibrator.GetOrRun(Options(recalibrate: true));
        Assert.False(redone.FromCache);
        Assert.True(redone.MeasuredAt > first.MeasuredAt);
        Assert.Equal(redone.MeasuredAt, HostCalibrator.GetOrRun(Options()).MeasuredAt); // the new one replaced the cached one
        Assert.Single(Directory.GetFiles(_dir.Path)); // one file per fingerprint, no temp files left behind
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("{\"format\": 1, \"calibration\": {\"fingerprint\": \"FP\", \"measuredAt\": \"2026-01-01T00:00:00Z\", \"durationMs\": 1, \"method\": \"m\", \"points\": [{\"threads\": 1, \"gopsByOpClass\": {\"conv\": -5}, \"bandwidthGBps\": 1, \"nodeOverheadUs\": 1, \"runOverheadUs\": 1}]}}")]
    [InlineData("")]
    public void A_corrupt_cache_file_is_ignored_and_redone(string content)
    {
        var first = HostCalibrator.GetOrRun(Options());
        File.WriteAllText(first.CachePath!, content.Replace("FP", HostCalibrator.Fingerprint.Replace("\\", "\\\\").Replace("\"", "\\\""), StringComparison.Ordinal));

        var redone = HostCalibrator.GetOrRun(Options());

        Assert.False(redone.FromCache);
        Assert.All(redone.Points.SelectMany(p => p.GopsByOpClass.Values), g => Assert.True(g > 0));
        Assert.True(HostCalibrator.GetOrRun(Options()).FromCache); // the rewritten file is valid again
    }

    [Fact]
    public void Thread_counts_between_calibrated_points_are_interpolated()
    {
        var calibration = new HostCalibration
        {
            Fingerprint = "test", MeasuredAt = DateTimeOffset.UnixEpoch, DurationMs = 1, Method = "hand-made",
            Points =
            [
                new(1, new Dictionary<string, double> { ["conv"] = 100 }, 10, 1, 4),
                new(4, new Dictionary<string, double> { ["conv"] = 340 }, 16, 2, 4),
            ],
        };
        var two = calibration.At(2);
        Assert.True(two.Interpolated);
        Assert.Equal(180, two.Gops("conv"), 1e-9);
        Assert.Equal(12, two.BandwidthGBps, 1e-9);
        Assert.Same(calibration.Points[1], calibration.At(4));
        Assert.Equal(660, calibration.At(8).Gops("conv"), 1e-9); // beyond the last point: the last step's scaling, extrapolated
        Assert.Equal(260, calibration.At(3).Gops("conv"), 1e-9); // between the points: linear

        // A host where more threads were slower (a shared VM): extrapolation stops at half the smaller figure.
        var declining = calibration with
        {
            Points = [calibration.Points[0], new(2, new Dictionary<string, double> { ["conv"] = 80 }, 10, 1, 4)],
        };
        Assert.Equal(40, declining.At(8).Gops("conv"), 1e-9);
    }

    [Fact]
    public void The_host_estimate_is_built_from_the_calibration_and_says_so()
    {
        var calibration = HostCalibrator.GetOrRun(Options());
        var host = HostProbe.Probe(new HostProbeOptions { MeasurePeaks = false }).ToEdgeDevice();
        var b = new GraphBuilder("conv");
        var x = b.Input("x", DataType.Float, 1, 64, 56, 56);
        b.Output(b.AddNode("Conv", [x, b.Initializer("W", new float[64 * 64 * 9], 64, 64, 3, 3)], name: "conv",
            attributes: [("pads", new long[] { 1, 1, 1, 1 })]).Outputs[0], "y");
        using var model = b.Build();

        var one = LatencyEstimator.Estimate(model, host, new EstimateOptions { Threads = 1, Calibration = calibration });

        Assert.Equal(1, one.Threads);
        Assert.Contains("calibrated on this host from ORT kernels", one.Method, StringComparison.Ordinal);
        var conv = one.Nodes.Single();
        var point = calibration.At(1);
        Assert.Equal(2.0 * conv.Macs / (point.Gops("conv") * 1e9) * 1e3, conv.ComputeMs, 1e-9);
        Assert.Equal(point.NodeOverheadUs / 1e3, conv.OverheadMs, 1e-12);
        Assert.Equal(point.RunOverheadUs / 1e3, one.RunOverheadMs, 1e-12);
        Assert.Equal(conv.EstimatedMs + one.RunOverheadMs, one.TotalMs, 1e-12);
    }

    [Fact]
    public void A_given_calibration_reshapes_a_catalogue_cpu_per_op_class_but_keeps_the_fitted_conv_level()
    {
        var b = new GraphBuilder("depthwise");
        var x = b.Input("x", DataType.Float, 1, 128, 56, 56);
        var dw = b.AddNode("Conv", [x, b.Initializer("Wd", new float[128 * 9], 128, 1, 3, 3)], name: "dw",
            attributes: [("pads", new long[] { 1, 1, 1, 1 }), ("group", 128L)]).Outputs[0];
        b.Output(b.AddNode("Conv", [dw, b.Initializer("W", new float[128 * 128 * 9], 128, 128, 3, 3)], name: "conv",
            attributes: [("pads", new long[] { 1, 1, 1, 1 })]).Outputs[0], "y");
        using var model = b.Build();
        var calibration = new HostCalibration
        {
            Fingerprint = "test", MeasuredAt = DateTimeOffset.UnixEpoch, DurationMs = 1, Method = "hand-made",
            Points = [new(2, new Dictionary<string, double> { ["conv"] = 200, ["depthwise-conv"] = 100 }, 20, 1, 4)],
        };
        var pixel8 = DeviceCatalog.Find("pixel-8");

        var typical = LatencyEstimator.Estimate(model, pixel8);
        var reshaped = LatencyEstimator.Estimate(model, pixel8, new EstimateOptions { Calibration = calibration });

        double Compute(LatencyEstimate e, string name) => e.Nodes.Single(n => n.Name == name).ComputeMs;
        Assert.Equal(Compute(typical, "conv"), Compute(reshaped, "conv"), 1e-12);
        // Typical depthwise share: 0.3 of conv; this host measured 0.5 of conv.
        Assert.Equal(Compute(typical, "dw") * 0.3 / 0.5, Compute(reshaped, "dw"), 1e-9);
        Assert.Contains("per-class shares relative to conv taken from this host's ORT calibration", reshaped.Method, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_options_are_refused_with_every_problem()
    {
        var e = Assert.Throws<InvalidOptionsException>(() => HostCalibrator.GetOrRun(new HostCalibrationOptions
        {
            TimePerKernel = TimeSpan.Zero, Threads = [0], CacheDirectory = "",
        }));
        Assert.Equal(3, e.Problems.Count);
        using var model = Tiny();
        Assert.Throws<InvalidOptionsException>(() => LatencyEstimator.Estimate(model, Devices.Make(), new EstimateOptions { Threads = 0 }));
    }

    private static Model Tiny()
    {
        var b = new GraphBuilder("tiny");
        b.Output(b.Op("Relu", [b.Input("x", DataType.Float, 1, 4)]), "y");
        return b.Build();
    }
}
