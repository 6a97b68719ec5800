using EdgeOpt.Devices;

namespace EdgeOpt.Tests.Devices;

/// <summary><see cref="EdgeAccelerator.GetDeviceCapabilities"/> over catalogue devices.</summary>
public class CatalogAcceleratorTests
{
    [Fact]
    public void Android_with_nnapi_and_opencl_supports_nnapi_only_with_its_caveats()
    {
        var pixel = DeviceCatalog.Find("pixel 8");
        var caps = new EdgeAccelerator([AccelerationBackend.Nnapi, AccelerationBackend.OpenCl]).GetDeviceCapabilities(pixel);

        Assert.Same(pixel, caps.Device);
        Assert.Equal([AccelerationBackend.Nnapi, AccelerationBackend.OpenCl], caps.Backends.Select(b => b.Backend));
        Assert.Equal([AccelerationBackend.Nnapi], caps.Supported);

        var nnapi = caps[AccelerationBackend.Nnapi];
        Assert.True(nnapi.Supported);
        Assert.Null(nnapi.Reason);
        // Google publishes no TPU figure, so NNAPI is described on the GPU, the fastest unit with published peaks.
        Assert.Equal(ComputeUnitKind.Gpu, nnapi.Unit!.Kind);
        Assert.Equal([Precision.Fp32, Precision.Fp16], nnapi.Precisions);
        Assert.Equal(2 * nnapi.PeakGops[Precision.Fp32], nnapi.PeakGops[Precision.Fp16], 1e-6);
        Assert.Contains(nnapi.Caveats, c => c.Contains("deprecated from Android 15", StringComparison.Ordinal));

        var openCl = caps[AccelerationBackend.OpenCl];
        Assert.False(openCl.Supported);
        Assert.Null(openCl.Unit);
        Assert.Empty(openCl.Precisions);
        Assert.Contains("no OpenCL execution provider", openCl.Reason, StringComparison.Ordinal);
        Assert.Contains("Nnapi", openCl.Reason, StringComparison.Ordinal);

        Assert.Equal(DeviceClass.High, caps.Class);
        Assert.Equal(500, caps.MemoryTargetMb);
        Assert.Equal(pixel.BatteryWh, caps.BatteryWh);
        Assert.InRange(caps.BatteryWh!.Value, 17, 18.5); // 4575 mAh x 3.87 V
    }

    [Fact]
    public void Snapdragon_phone_runs_qnn_on_its_npu_and_a_tensor_phone_cannot()
    {
        var accelerator = new EdgeAccelerator([AccelerationBackend.Qnn, AccelerationBackend.Xnnpack]);

        var s23 = accelerator.GetDeviceCapabilities(DeviceCatalog.Find("SM-S911"));
        Assert.Equal(ComputeUnitKind.Npu, s23[AccelerationBackend.Qnn].Unit!.Kind);
        Assert.Equal([Precision.Fp16, Precision.Int8], s23[AccelerationBackend.Qnn].Precisions);
        Assert.Contains(s23[AccelerationBackend.Qnn].Caveats, c => c.Contains("no published peak", StringComparison.Ordinal));
        Assert.Equal(ComputeUnitKind.Cpu, s23[AccelerationBackend.Xnnpack].Unit!.Kind);

        var pixel = accelerator.GetDeviceCapabilities(DeviceCatalog.Find("pixel 7"));
        Assert.False(pixel[AccelerationBackend.Qnn].Supported);
        Assert.Contains("Snapdragon", pixel[AccelerationBackend.Qnn].Reason, StringComparison.Ordinal);
        Assert.Contains("Tensor G2", pixel[AccelerationBackend.Qnn].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void IPhone_runs_core_ml_on_the_neural_engine_in_fp16()
    {
        var iphone = DeviceCatalog.Find("iPhone 15 Pro");
        var caps = new EdgeAccelerator([AccelerationBackend.CoreMl]).GetDeviceCapabilities(iphone);

        var coreMl = Assert.Single(caps.Backends);
        Assert.True(coreMl.Supported);
        Assert.Equal(ComputeUnitKind.Npu, coreMl.Unit!.Kind);
        Assert.Equal([Precision.Fp16], coreMl.Precisions);
        Assert.Equal(17_500, coreMl.PeakGops[Precision.Fp16], 1e-9);
        Assert.Contains(coreMl.Caveats, c => c.Contains("FP16", StringComparison.Ordinal));
        Assert.Equal(500, caps.MemoryTargetMb);
        Assert.NotNull(caps.BatteryWh);
    }

    [Fact]
    public void Browser_backends_carry_their_limits_and_the_initial_load_target()
    {
        var caps = new EdgeAccelerator([AccelerationBackend.WebGpu, AccelerationBackend.WebGl, AccelerationBackend.Wasm, AccelerationBackend.CoreMl])
            .GetDeviceCapabilities(DeviceCatalog.Find("firefox"));

        Assert.Equal(50, caps.MemoryTargetMb);
        Assert.Contains("initial load", caps.MemoryTargetBasis, StringComparison.Ordinal);
        Assert.Null(caps.BatteryWh);
        Assert.Equal([Precision.Fp32], caps[AccelerationBackend.WebGl].Precisions);
        Assert.Contains(caps[AccelerationBackend.WebGl].Caveats, c => c.Contains("float32 only", StringComparison.Ordinal));
        Assert.Contains(caps[AccelerationBackend.WebGpu].Caveats, c => c.Contains("Windows", StringComparison.Ordinal));
        Assert.Equal(ComputeUnitKind.Cpu, caps[AccelerationBackend.Wasm].Unit!.Kind);
        Assert.False(caps[AccelerationBackend.CoreMl].Supported);
    }

    [Fact]
    public void Edge_tpu_and_jetson_backends()
    {
        var coral = new EdgeAccelerator([AccelerationBackend.EdgeTpu]).GetDeviceCapabilities(DeviceCatalog.Find("coral"));
        Assert.Equal([Precision.Int8], coral[AccelerationBackend.EdgeTpu].Precisions);
        Assert.Equal(4_000, coral[AccelerationBackend.EdgeTpu].PeakGops[Precision.Int8], 1e-9);
        Assert.Contains(coral[AccelerationBackend.EdgeTpu].Caveats, c => c.Contains("TFLite", StringComparison.Ordinal));
        Assert.Equal(100, coral.MemoryTargetMb);

        var orin = new EdgeAccelerator([AccelerationBackend.TensorRt, AccelerationBackend.Nnapi]).GetDeviceCapabilities(DeviceCatalog.Find("orin nano"));
        Assert.Equal(20_000, orin[AccelerationBackend.TensorRt].PeakGops[Precision.Int8], 1e-9);
        Assert.Contains("only on Android", orin[AccelerationBackend.Nnapi].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Accelerator_needs_a_backend_and_ignores_duplicates()
    {
        Assert.Throws<UsageException>(() => new EdgeAccelerator([]));
        Assert.Equal([AccelerationBackend.Cpu], new EdgeAccelerator([AccelerationBackend.Cpu, AccelerationBackend.Cpu]).Backends);
        var caps = new EdgeAccelerator([AccelerationBackend.Cpu]).GetDeviceCapabilities(DeviceCatalog.Find("rpi4"));
        var e = Assert.Throws<UsageException>(() => caps[AccelerationBackend.Xnnpack]);
        Assert.Contains("Xnnpack was not requested", e.Message, StringComparison.Ordinal);
    }
}
