namespace EdgeOpt.Devices;

/// <summary>
/// ONNX Runtime's registered execution-provider names and the backends they are: the one table both directions read
/// (the host probe maps ORT's available providers to backends; a deployment writes the provider a backend needs).
/// </summary>
internal static class ExecutionProviders
{
    public const string Cpu = "CPUExecutionProvider";

    private static readonly (AccelerationBackend Backend, string Provider)[] Table =
    [
        (AccelerationBackend.Cpu, Cpu),
        (AccelerationBackend.Xnnpack, "XnnpackExecutionProvider"),
        (AccelerationBackend.Nnapi, "NnapiExecutionProvider"),
        (AccelerationBackend.Qnn, "QNNExecutionProvider"),
        (AccelerationBackend.CoreMl, "CoreMLExecutionProvider"),
        (AccelerationBackend.Cuda, "CUDAExecutionProvider"),
        (AccelerationBackend.TensorRt, "TensorrtExecutionProvider"),
        (AccelerationBackend.OpenCl, "OpenCLExecutionProvider"),
        (AccelerationBackend.WebGpu, "WebGpuExecutionProvider"),
    ];

    /// <summary>The provider's name for <paramref name="backend"/>; null for a backend native ONNX Runtime does not provide (Edge TPU, wasm, WebGL).</summary>
    public static string? NameOf(AccelerationBackend backend) =>
        Array.Find(Table, e => e.Backend == backend) is { Provider: { } name } ? name : null;

    /// <summary>The backend a provider name stands for; null for providers EdgeOpt does not model.</summary>
    public static AccelerationBackend? BackendOf(string provider) =>
        Array.FindIndex(Table, e => e.Provider == provider) is var i and >= 0 ? Table[i].Backend : null;
}
