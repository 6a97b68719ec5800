using EdgeOpt.Devices;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// What one TensorRT engine is built from, shared by build_engine.sh (trtexec flags) and the ORT TensorRT EP options so
/// the two build the same engine.
/// </summary>
/// <param name="Model">The ONNX file, relative to the package.</param>
/// <param name="Fp16">Let TensorRT run layers in half precision (<c>--fp16</c>, <c>trt_fp16_enable</c>).</param>
/// <param name="Int8">INT8 (<c>--int8</c>, <c>trt_int8_enable</c>): explicit through the model's Q/DQ scales, or implicit through <paramref name="Calibrated"/>.</param>
/// <param name="Calibrated">The model is float and its INT8 ranges come from the calibration caches.</param>
/// <param name="Sparsity">The weights are 2:4 sparse (<c>--sparsity=enable</c>, <c>trt_sparsity_enable</c>).</param>
/// <param name="WorkspaceMiB">TensorRT's workspace pool (<c>--memPoolSize=workspace:N</c>, <c>trt_max_workspace_size</c>).</param>
/// <param name="Profiles">The optimization profile, one range per dynamic input (empty: static shapes).</param>
internal sealed record EngineSettings(string Model, bool Fp16, bool Int8, bool Calibrated, bool Sparsity, int WorkspaceMiB, IReadOnlyList<ShapeRange> Profiles)
{
    /// <summary>Engines, timing cache and (for the calibrated engine) the calibration caches live here, relative to the package.</summary>
    public const string CacheFolder = "trt_cache";

    /// <summary>trtexec's engine: model.engine, or model.calibrated.engine for the calibrated INT8 build (both may be kept).</summary>
    public string EngineFile => Calibrated ? "model.calibrated.engine" : "model.engine";
    public const string TimingCacheFile = "timing.cache";

    /// <summary>
    /// A quarter of the device's memory, between 256 MiB and 4 GiB: Jetson's GPU shares the system memory, and TensorRT's
    /// default workspace (all of it) can starve the rest of the system while tactics are timed. 1 GiB without a device.
    /// </summary>
    public static int Workspace(EdgeDevice? device) =>
        device is { MemoryGb: > 0 } d ? (int)Math.Clamp(d.MemoryGb * 1024 / 4, 256, 4096) : 1024;
}
