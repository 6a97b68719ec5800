namespace EdgeOpt.Web;

/// <summary>Which onnxruntime-web execution provider a web bundle runs the model with.</summary>
public enum WebBackend
{
    /// <summary>WebGPU when the browser offers an adapter, else WebAssembly (SIMD, threads when cross-origin isolated).</summary>
    Auto,

    /// <summary>WebAssembly on the CPU: SIMD, multi-threaded when the page is cross-origin isolated.</summary>
    Wasm,

    /// <summary>WebGPU only; the page reports an error where the browser has no WebGPU adapter.</summary>
    WebGpu,

    /// <summary>WebGL 2 (onnxruntime-web's legacy GPU backend: float32 only, fewer operators).</summary>
    WebGl,
}
