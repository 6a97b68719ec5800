namespace EdgeOpt.Devices;

/// <summary>
/// Answers which of a set of backends a device can use and with what: the compute unit each runs on, its
/// precisions and peak throughput, and the caveats that decide whether it is worth it (NNAPI's deprecation, WebGL's
/// float32-only kernels, the Edge TPU's TFLite conversion).
/// </summary>
/// <example><code>
/// var accelerator = new EdgeAccelerator([AccelerationBackend.Nnapi, AccelerationBackend.OpenCl]);
/// var capabilities = accelerator.GetDeviceCapabilities(DeviceCatalog.Find("pixel 8"));
/// </code></example>
public sealed class EdgeAccelerator
{
    private static readonly Precision[] AllPrecisions = [Precision.Fp32, Precision.Fp16, Precision.Int8];

    private readonly AccelerationBackend[] _backends;

    /// <param name="backends">The backends to consider, in order of preference (duplicates are ignored).</param>
    /// <exception cref="UsageException">No backend was given.</exception>
    public EdgeAccelerator(IEnumerable<AccelerationBackend> backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        _backends = [.. backends.Distinct()];
        if (_backends.Length == 0) throw new UsageException("EdgeAccelerator needs at least one backend, e.g. Nnapi, CoreMl, TensorRt, Xnnpack, WebGpu");
    }

    /// <summary>The backends this accelerator considers, in order of preference.</summary>
    public IReadOnlyList<AccelerationBackend> Backends => _backends;

    /// <summary>Describes how each requested backend stands on <paramref name="device"/>.</summary>
    public DeviceCapabilities GetDeviceCapabilities(EdgeDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var (targetMb, basis) = MemoryTarget(device);
        return new DeviceCapabilities(device, [.. _backends.Select(b => Describe(b, device))], targetMb, basis);
    }

    private static BackendCapability Describe(AccelerationBackend backend, EdgeDevice device)
    {
        if (!device.Backends.Contains(backend))
            return new BackendCapability(backend, false, null, [], new Dictionary<Precision, double>(), [], WhyUnsupported(backend, device));

        var allowed = BackendPrecisions(backend);
        var unit = PickUnit(backend, device, allowed);
        var published = unit?.PeakGops.Keys.Where(allowed.Contains).ToArray() ?? [];
        // Without published peaks the backend still runs its precisions; only the figures are missing.
        Precision[] precisions = published.Length > 0 ? published : allowed;
        var peaks = unit is null ? new Dictionary<Precision, double>()
            : precisions.Where(unit.PeakGops.ContainsKey).ToDictionary(p => p, p => unit.PeakGops[p]);

        var caveats = Caveats(backend, device).ToList();
        if (unit is { PeakGops.Count: 0 }) caveats.Add($"no published peak throughput for {unit.Name}: {unit.Source}");
        return new BackendCapability(backend, true, unit, precisions, peaks, caveats, null);
    }

    // The unit a backend lands on, best first; among units of one kind, the fastest at an allowed precision.
    private static ComputeUnit? PickUnit(AccelerationBackend backend, EdgeDevice device, Precision[] allowed)
    {
        ComputeUnitKind[] preference = backend switch
        {
            AccelerationBackend.Cpu or AccelerationBackend.Xnnpack or AccelerationBackend.Wasm => [ComputeUnitKind.Cpu],
            AccelerationBackend.Cuda or AccelerationBackend.TensorRt or AccelerationBackend.OpenCl
                or AccelerationBackend.WebGpu or AccelerationBackend.WebGl => [ComputeUnitKind.Gpu],
            AccelerationBackend.Qnn or AccelerationBackend.EdgeTpu => [ComputeUnitKind.Npu],
            // NNAPI and Core ML dispatch to whatever the driver picks: NPU first, then GPU, then CPU.
            _ => [ComputeUnitKind.Npu, ComputeUnitKind.Gpu, ComputeUnitKind.Cpu],
        };
        double Best(ComputeUnit u) => allowed.Where(u.PeakGops.ContainsKey).Select(p => u.PeakGops[p]).DefaultIfEmpty(0).Max();
        var candidates = preference.SelectMany(kind => device.ComputeUnits.Where(u => u.Kind == kind)).ToList();
        // Prefer a unit with published figures in preference order; else the first unit of the preferred kinds.
        return preference
            .Select(kind => candidates.Where(u => u.Kind == kind && Best(u) > 0).MaxBy(Best))
            .FirstOrDefault(u => u is not null)
            ?? candidates.FirstOrDefault();
    }

    private static Precision[] BackendPrecisions(AccelerationBackend backend) => backend switch
    {
        AccelerationBackend.Wasm => [Precision.Fp32, Precision.Int8],
        AccelerationBackend.Qnn => [Precision.Fp16, Precision.Int8],
        AccelerationBackend.CoreMl or AccelerationBackend.Cuda or AccelerationBackend.OpenCl or AccelerationBackend.WebGpu => [Precision.Fp32, Precision.Fp16],
        AccelerationBackend.EdgeTpu => [Precision.Int8],
        AccelerationBackend.WebGl => [Precision.Fp32],
        _ => AllPrecisions,
    };

    private static IEnumerable<string> Caveats(AccelerationBackend backend, EdgeDevice device)
    {
        switch (backend)
        {
            case AccelerationBackend.Nnapi:
                yield return "NNAPI is deprecated from Android 15 (Google points to LiteRT delegates); it still ships, but drivers get little new work";
                yield return "the vendor driver decides which unit runs each op; unsupported ops fall back to CPU, and every fallback adds a partition";
                break;
            case AccelerationBackend.Qnn:
                yield return "QNN's HTP (NPU) backend needs a quantized QDQ model (INT8/INT16) or FP16; Snapdragon only";
                break;
            case AccelerationBackend.CoreMl:
                yield return "Core ML picks Neural Engine, GPU or CPU at load time; the Neural Engine computes in FP16, so FP32 models run at FP16 there";
                yield return "ops outside the Core ML EP's support table fall back to ORT's CPU provider, one partition each";
                break;
            case AccelerationBackend.TensorRt:
                yield return "TensorRT builds an engine on first run (minutes on Jetson); enable the engine cache";
                if (device.ComputeUnits.Any(u => u.Kind == ComputeUnitKind.Npu))
                    yield return "TensorRT can also place layers on the DLA (not counted here)";
                break;
            case AccelerationBackend.EdgeTpu:
                yield return "the Edge TPU is not an ONNX Runtime execution provider: convert the ONNX model to TFLite, quantize it to full INT8 and compile it with edgetpu_compiler";
                break;
            case AccelerationBackend.WebGl:
                yield return "WebGL runs float32 only and is legacy in onnxruntime-web; prefer WebGPU where the browser has it";
                break;
            case AccelerationBackend.WebGpu:
                yield return $"needs {device.OsMinimum ?? "a WebGPU-enabled browser"}; FP16 needs the 'shader-f16' feature";
                break;
            case AccelerationBackend.Wasm:
                yield return "multi-threading needs a cross-origin isolated page (COOP/COEP); SIMD is 128-bit";
                break;
            case AccelerationBackend.Xnnpack:
                yield return "XNNPACK takes FP32 and QDQ INT8 operators it knows; the rest run on ORT's CPU provider";
                break;
        }
    }

    private static string WhyUnsupported(AccelerationBackend backend, EdgeDevice device)
    {
        var applicable = $"applicable to {device.Name}: {string.Join(", ", device.Backends)}";
        return backend switch
        {
            AccelerationBackend.OpenCl => $"ONNX Runtime ships no OpenCL execution provider; {applicable}",
            AccelerationBackend.Qnn when device.Platform == EdgePlatform.Android => $"QNN needs a Qualcomm Snapdragon SoC, {device.Name} has {device.Soc}; {applicable}",
            AccelerationBackend.Nnapi when device.Platform != EdgePlatform.Android => $"NNAPI exists only on Android; {applicable}",
            AccelerationBackend.CoreMl when device.Platform != EdgePlatform.Ios => $"Core ML exists only on Apple platforms; {applicable}",
            AccelerationBackend.Cuda or AccelerationBackend.TensorRt => $"{backend} needs an NVIDIA GPU; {applicable}",
            AccelerationBackend.Wasm or AccelerationBackend.WebGpu or AccelerationBackend.WebGl when device.Platform != EdgePlatform.Web => $"{backend} is an onnxruntime-web backend for browsers; {applicable}",
            _ => $"{backend} does not apply to {device.Name}; {applicable}",
        };
    }

    private static (double Mb, string Basis) MemoryTarget(EdgeDevice device) => device.Platform == EdgePlatform.Web
        ? (50, "browsers: keep the initial load (download and compile) under 50 MB")
        : device.Class switch
        {
            DeviceClass.Low => (100, $"low-end device ({device.MemoryGb:0.#} GB, under 4 GB): under 100 MB"),
            DeviceClass.Mid => (200, $"mid-range device ({device.MemoryGb:0.#} GB, 4 to 8 GB): under 200 MB"),
            _ => (500, $"high-end device ({device.MemoryGb:0.#} GB, 8 GB or more): under 500 MB"),
        };
}
