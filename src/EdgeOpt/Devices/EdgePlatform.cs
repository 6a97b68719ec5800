namespace EdgeOpt.Devices;

/// <summary>The kind of system a model is deployed to.</summary>
public enum EdgePlatform
{
    /// <summary>iPhone and iPad (Core ML, Neural Engine).</summary>
    Ios,

    /// <summary>Android phones and tablets (NNAPI, QNN, XNNPACK).</summary>
    Android,

    /// <summary>Embedded Linux boards: Jetson, Raspberry Pi, Coral.</summary>
    LinuxEmbedded,

    /// <summary>A browser running onnxruntime-web (WASM, WebGPU, WebGL).</summary>
    Web,

    /// <summary>A desktop or server (this host, when probed).</summary>
    Desktop,
}
