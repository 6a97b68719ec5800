using System.Text.Json.Serialization;

namespace EdgeOpt.Web;

/// <summary>Which onnxruntime-web execution provider a web bundle runs the model with (JSON: the CLI spelling, e.g. <c>webgpu</c>).</summary>
public enum WebBackend
{
    /// <summary>WebGPU when the browser offers an adapter, else WebAssembly (SIMD, threads when cross-origin isolated).</summary>
    [JsonStringEnumMemberName("auto")]
    Auto,

    /// <summary>WebAssembly on the CPU: SIMD, multi-threaded when the page is cross-origin isolated.</summary>
    [JsonStringEnumMemberName("wasm")]
    Wasm,

    /// <summary>WebGPU only; the page reports an error where the browser has no WebGPU adapter.</summary>
    [JsonStringEnumMemberName("webgpu")]
    WebGpu,

    /// <summary>WebGL 2 (onnxruntime-web's legacy GPU backend: float32 only, fewer operators).</summary>
    [JsonStringEnumMemberName("webgl")]
    WebGl,
}
