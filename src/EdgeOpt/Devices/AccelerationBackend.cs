namespace EdgeOpt.Devices;

/// <summary>An ONNX Runtime execution provider (or onnxruntime-web backend) a model can run on.</summary>
public enum AccelerationBackend
{
    /// <summary>ORT's default CPU provider (MLAS kernels).</summary>
    Cpu,

    /// <summary>XNNPACK: optimized Arm/x86 CPU kernels, common on mobile.</summary>
    Xnnpack,

    /// <summary>Android Neural Networks API (deprecated by Google from Android 15, still widely shipped).</summary>
    Nnapi,

    /// <summary>Qualcomm AI Engine Direct (Hexagon NPU on Snapdragon).</summary>
    Qnn,

    /// <summary>Apple Core ML (Neural Engine, GPU, CPU).</summary>
    CoreMl,

    /// <summary>NVIDIA CUDA.</summary>
    Cuda,

    /// <summary>NVIDIA TensorRT (Jetson, discrete GPUs).</summary>
    TensorRt,

    /// <summary>OpenCL GPU kernels (Android GPUs via vendor runtimes).</summary>
    OpenCl,

    /// <summary>Google Edge TPU (Coral) through its TFLite delegate; ONNX models must be converted first.</summary>
    EdgeTpu,

    /// <summary>onnxruntime-web on WebAssembly (SIMD, threads when cross-origin isolated).</summary>
    Wasm,

    /// <summary>onnxruntime-web on WebGPU.</summary>
    WebGpu,

    /// <summary>onnxruntime-web on WebGL 2 (legacy; float32 only).</summary>
    WebGl,
}
