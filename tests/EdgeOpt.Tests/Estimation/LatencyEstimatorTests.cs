using EdgeOpt.Analysis;
using EdgeOpt.Analysis.Estimation;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Estimation;

public sealed class LatencyEstimatorTests
{
    private static readonly UnitEfficiency CpuEfficiency = UnitEfficiency.For(ComputeUnitKind.Cpu);

    // x[1,256] · W[256,256] + b[256]: small arithmetic, large weight, so memory-bound on 100 GOPS / 10 GB/s.
    private static Model Dense()
    {
        var b = new GraphBuilder("dense");
        var x = b.Input("x", DataType.Float, 1, 256);
        var w = b.Initializer("W", new float[256 * 256], 256, 256);
        var bias = b.Initializer("b", new float[256], 256);
        var mm = b.AddNode("MatMul", [x, w], name: "mm").Outputs[0];
        b.Output(b.AddNode("Add", [mm, bias], name: "bias").Outputs[0], "y");
        return b.Build();
    }

    // A 3×3 Conv of 64 channels on 56×56: 115.6 M MACs on 1.75 MB, so compute-bound.
    private static Model Conv(bool withRelu = false)
    {
        var b = new GraphBuilder("conv");
        var x = b.Input("x", DataType.Float, 1, 64, 56, 56);
        var w = b.Initializer("W", new float[64 * 64 * 9], 64, 64, 3, 3);
        var y = b.AddNode("Conv", [x, w], name: "conv", attributes: [("pads", new long[] { 1, 1, 1, 1 })]).Outputs[0];
        if (withRelu) y = b.AddNode("Relu", [y], name: "relu").Outputs[0];
        b.Output(y, "y");
        return b.Build();
    }

    [Fact]
    public void Roofline_arithmetic_matches_hand_computation()
    {
        using var model = Dense();
        var estimate = LatencyEstimator.Estimate(model, Devices.Make());

        var mm = estimate.Nodes.Single(n => n.Name == "mm");
        Assert.Equal(65_536, mm.Macs);
        Assert.Equal(131_072, mm.Operations);
        Assert.Equal(262_144, mm.WeightBytes);
        Assert.Equal(2 * 1024, mm.ActivationBytes);
        Assert.Equal(131_072 / (100e9 * CpuEfficiency.MatMul) * 1e3, mm.ComputeMs, 1e-9);
        // 264 kB of weights fit in cache, so the model streams at 4× the DRAM bandwidth.
        Assert.Equal(264_192 / (10e9 * LatencyEstimator.CacheBandwidthFactor * CpuEfficiency.Memory) * 1e3, mm.MemoryMs, 1e-9);
        Assert.Equal(mm.MemoryMs + CpuEfficiency.OverheadUs / 1e3, mm.EstimatedMs, 1e-9);
        Assert.Equal(RooflineBound.Memory, mm.Bound);

        var add = estimate.Nodes.Single(n => n.Name == "bias");
        Assert.Equal("elementwise", add.OpClass);
        Assert.Equal(1024, add.WeightBytes);
        Assert.Equal(2048, add.ActivationBytes);
        Assert.Equal(RooflineBound.Overhead, add.Bound); // 3 kB at 24 GB/s is 0.13 µs, under the 1 µs dispatch cost

        Assert.Equal(CpuEfficiency.RunOverheadUs / 1e3, estimate.RunOverheadMs, 1e-12);
        Assert.Equal(mm.EstimatedMs + add.EstimatedMs + estimate.RunOverheadMs, estimate.TotalMs, 1e-12);
        Assert.Equal(65_536, estimate.TotalMacs);
        Assert.Equal(mm.BytesMoved + add.BytesMoved, estimate.TotalBytesMoved);
        Assert.Equal("estimated", estimate.Provenance);
        Assert.Contains("roofline", estimate.Method, StringComparison.Ordinal);
        Assert.Contains("hand-made test figures", estimate.Method, StringComparison.Ordinal);
        Assert.Contains("cache-resident", estimate.Method, StringComparison.Ordinal);
    }

    [Fact]
    public void A_large_convolution_is_compute_bound_and_timed_by_peak()
    {
        using var model = Conv();
        var node = LatencyEstimator.Estimate(model, Devices.Make()).Nodes.Single();

        Assert.Equal(RooflineBound.Compute, node.Bound);
        Assert.Equal("conv", node.OpClass);
        Assert.Equal(56L * 56 * 64 * 64 * 9, node.Macs);
        Assert.Equal(2.0 * node.Macs / (100e9 * CpuEfficiency.Conv) * 1e3, node.ComputeMs, 1e-9);
        Assert.True(node.ComputeMs > 5 * node.MemoryMs, $"compute {node.ComputeMs} ms vs memory {node.MemoryMs} ms");
    }

    [Fact]
    public void Int8_is_faster_than_fp32_on_a_unit_with_a_higher_int8_peak()
    {
        using var model = Conv();
        var device = Devices.Make(units: Devices.Cpu(fp32: 100, int8: 400));
        var fp32 = LatencyEstimator.Estimate(model, device);
        var int8 = LatencyEstimator.Estimate(model, device, new EstimateOptions { Precision = Precision.Int8 });

        Assert.Equal(400, int8.PeakGops);
        Assert.InRange(fp32.TotalMs / int8.TotalMs, 3.5, 4.0); // compute-bound: close to the 4× peak ratio, less the fixed overhead
        Assert.Equal(fp32.WeightBytes / 4, int8.WeightBytes);
    }

    [Fact]
    public void Activation_after_conv_is_fused_and_costs_nothing()
    {
        using var model = Conv(withRelu: true);
        var estimate = LatencyEstimator.Estimate(model, Devices.Make());

        var relu = estimate.Nodes.Single(n => n.Name == "relu");
        Assert.Equal(RooflineBound.Fused, relu.Bound);
        Assert.Equal(0, relu.EstimatedMs);
        Assert.Equal(estimate.Nodes.Single(n => n.Name == "conv").EstimatedMs + estimate.RunOverheadMs, estimate.TotalMs, 1e-12);
    }

    [Fact]
    public void Footprint_is_compared_with_the_memory_class_target()
    {
        // 27 M float weights: 108 MB at fp32 (over the 100 MB low-end target), 27 MB at int8.
        var b = new GraphBuilder("big");
        var x = b.Input("x", DataType.Float, 1, 27_000);
        var w = b.Initializer("W", new float[27_000 * 1000], 27_000, 1000);
        b.Output(b.Op("MatMul", [x, w]), "y");
        using var model = b.Build();
        var low = Devices.Make(memoryGb: 2, units: Devices.Cpu(int8: 200));
        var high = Devices.Make(memoryGb: 12);

        var lowFp32 = LatencyEstimator.Estimate(model, low);
        Assert.Equal(DeviceClass.Low, lowFp32.DeviceClass);
        Assert.Equal(100_000_000, lowFp32.ClassTargetBytes);
        Assert.Equal(108_000_000, lowFp32.WeightBytes);
        Assert.Equal(4 * (27_000 + 1000), lowFp32.PeakActivationBytes);
        Assert.False(lowFp32.FitsClassTarget);
        Assert.Null(lowFp32.FitsBrowserInitialLoad);

        Assert.True(LatencyEstimator.Estimate(model, low, new EstimateOptions { Precision = Precision.Int8 }).FitsClassTarget);
        var highFp32 = LatencyEstimator.Estimate(model, high);
        Assert.Equal(500_000_000, highFp32.ClassTargetBytes);
        Assert.True(highFp32.FitsClassTarget);

        var browser = LatencyEstimator.Estimate(model, Devices.Make(memoryGb: 4, platform: EdgePlatform.Web));
        Assert.InRange(browser.ModelFileBytes, 108_000_000, 108_100_000);
        Assert.False(browser.FitsBrowserInitialLoad);
    }

    [Fact]
    public void Default_unit_is_the_npu_for_int8_and_the_cpu_for_fp32()
    {
        using var model = Conv();
        var npu = new ComputeUnit(ComputeUnitKind.Npu, "test NPU", new Dictionary<Precision, double> { [Precision.Int8] = 4000 }, "hand-made");
        var device = Devices.Make(units: [Devices.Cpu(int8: 200), npu]);

        var int8 = LatencyEstimator.Estimate(model, device, new EstimateOptions { Precision = Precision.Int8 });
        Assert.Equal(ComputeUnitKind.Npu, int8.Unit);
        Assert.Equal(4000, int8.PeakGops);
        Assert.Contains("NPU", int8.UnitChoice, StringComparison.Ordinal);
        Assert.Contains("not calibrated", int8.Method, StringComparison.Ordinal);

        Assert.Equal(ComputeUnitKind.Cpu, LatencyEstimator.Estimate(model, device).Unit);
        var onCpu = LatencyEstimator.Estimate(model, device, new EstimateOptions { Precision = Precision.Int8, Unit = ComputeUnitKind.Cpu });
        Assert.Equal(200, onCpu.PeakGops);
        Assert.Equal("given", onCpu.UnitChoice);
    }

    [Fact]
    public void A_precision_the_device_lacks_is_refused_listing_what_it_has()
    {
        using var model = Conv();
        var e = Assert.Throws<UsageException>(() =>
            LatencyEstimator.Estimate(model, Devices.Make(), new EstimateOptions { Precision = Precision.Fp16 }));
        Assert.Equal("device 'Test Device' has no unit with a fp16 peak (it has fp32 on CPU)", e.Message);

        var gpu = Assert.Throws<UsageException>(() =>
            LatencyEstimator.Estimate(model, Devices.Make(), new EstimateOptions { Unit = ComputeUnitKind.Gpu }));
        Assert.Contains("no GPU with a fp32 peak", gpu.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_that_cannot_be_costed_is_named()
    {
        var b = new GraphBuilder("custom");
        var x = b.Input("x", DataType.Float, 1, 8);
        b.Output(b.AddNode("Mystery", [x], name: "odd", domain: "com.example").Outputs[0], "y");
        b.Opset("com.example", 1);
        using var model = b.Build();

        var e = Assert.Throws<UsageException>(() => LatencyEstimator.Estimate(model, Devices.Make()));
        Assert.Contains("node 'odd' (Mystery) cannot be costed", e.Message, StringComparison.Ordinal);
        Assert.Contains("com.example.Mystery", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Batch_binds_a_symbolic_leading_dim_or_scales_a_batch_of_one()
    {
        var b = new GraphBuilder("symbolic");
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 256);
        b.Output(b.Op("MatMul", [x, b.Initializer("W", new float[256 * 256], 256, 256)]), "y");
        using var symbolic = b.Build();
        using var fixedBatch = Dense();

        Assert.Equal(4 * 65_536, LatencyEstimator.Estimate(symbolic, Devices.Make(), new EstimateOptions { Batch = 4 }).TotalMacs);
        var scaled = LatencyEstimator.Estimate(fixedBatch, Devices.Make(), new EstimateOptions { Batch = 4 });
        Assert.Equal(4 * 65_536, scaled.TotalMacs);
        Assert.Equal(262_144 + 4 * 2048, scaled.Nodes.Single(n => n.Name == "mm").BytesMoved);
        Assert.Throws<InvalidOptionsException>(() => LatencyEstimator.Estimate(fixedBatch, Devices.Make(), new EstimateOptions { Batch = 0 }));
    }
}
