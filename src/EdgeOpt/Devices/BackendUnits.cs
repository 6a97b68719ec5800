namespace EdgeOpt.Devices;

/// <summary>Which compute unit each ONNX Runtime backend's kernels run on (one rule for the search, the matrix and the estimates).</summary>
internal static class BackendUnits
{
    /// <summary>NPU for NNAPI, QNN, Core ML and Edge TPU; GPU for CUDA, TensorRT, OpenCL, WebGPU and WebGL; the CPU for the rest (CPU, XNNPACK, wasm).</summary>
    public static ComputeUnitKind UnitOf(AccelerationBackend backend) => backend switch
    {
        AccelerationBackend.Nnapi or AccelerationBackend.Qnn or AccelerationBackend.CoreMl or AccelerationBackend.EdgeTpu => ComputeUnitKind.Npu,
        AccelerationBackend.Cuda or AccelerationBackend.TensorRt or AccelerationBackend.OpenCl or AccelerationBackend.WebGpu or AccelerationBackend.WebGl => ComputeUnitKind.Gpu,
        _ => ComputeUnitKind.Cpu,
    };
}
