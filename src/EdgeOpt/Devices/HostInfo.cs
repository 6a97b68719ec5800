using System.Globalization;
using System.Runtime.InteropServices;
using EdgeOpt.Runtime;

namespace EdgeOpt.Devices;

/// <summary>
/// What <see cref="HostProbe"/> found on this machine. Figures are either read from the OS/CPU, derived
/// (<see cref="TheoreticalPeakGops"/>, see <see cref="PeakMethod"/>) or measured here (<see cref="MeasuredPeakGops"/>,
/// <see cref="MeasuredBandwidthGBps"/>); <see cref="Sources"/> says which for every field.
/// </summary>
public sealed record HostInfo
{
    /// <summary>E.g. <c>"AMD EPYC 9654 96-Core Processor"</c>.</summary>
    public required string CpuModel { get; init; }

    public required Architecture Architecture { get; init; }

    /// <summary>Logical CPUs this process may use.</summary>
    public required int LogicalCores { get; init; }

    /// <summary>Physical cores (SMT siblings counted once); null when the OS does not say.</summary>
    public int? PhysicalCores { get; init; }

    /// <summary>Base (nominal) clock in GHz; null when unknown.</summary>
    public double? BaseGhz { get; init; }

    /// <summary>Maximum (boost) clock in GHz; null when unknown.</summary>
    public double? MaxGhz { get; init; }

    /// <summary>
    /// ISA extensions that matter for inference, in a fixed order: on x64 <c>Sse42, Avx, Avx2, Fma, Avx512F, Avx512BW,
    /// Avx512DQ, Avx512Vbmi, AvxVnni, AvxVnniInt8, Avx10v1, Avx10v2, Avx512Vnni, Avx512Bf16, Avx512Fp16, AmxTile, AmxInt8,
    /// AmxBf16</c>; on Arm64 <c>AdvSimd, Dp, Rdm, Sve, Sve2, Fp16, I8mm, Bf16, Sme</c>. Only those present are listed.
    /// </summary>
    public IReadOnlyList<string> IsaFeatures { get; init; } = [];

    /// <summary>The first core's caches (empty when neither sysfs nor CPUID reports them).</summary>
    public IReadOnlyList<CpuCache> Caches { get; init; } = [];

    /// <summary>Physical memory in bytes.</summary>
    public required long MemoryBytes { get; init; }

    /// <summary>NVIDIA GPUs reported by NVML (empty when the driver library is absent).</summary>
    public IReadOnlyList<GpuInfo> Gpus { get; init; } = [];

    /// <summary>ONNX Runtime execution providers compiled into the loaded runtime, e.g. <c>"CPUExecutionProvider"</c>.</summary>
    public IReadOnlyList<string> OrtProviders { get; init; } = [];

    /// <summary>Peak GOPS per precision derived from ISA, cores and clock (empty when the clock is unknown).</summary>
    public IReadOnlyDictionary<Precision, double> TheoreticalPeakGops { get; init; } = new Dictionary<Precision, double>();

    /// <summary>How <see cref="TheoreticalPeakGops"/> was computed, assumptions included.</summary>
    public string PeakMethod { get; init; } = "";

    /// <summary>GOPS per precision measured by the micro-benchmarks (1 MAC = 2 ops); empty when not measured.</summary>
    public IReadOnlyDictionary<Precision, double> MeasuredPeakGops { get; init; } = new Dictionary<Precision, double>();

    /// <summary>Which kernels produced <see cref="MeasuredPeakGops"/>, on how many threads, for how long.</summary>
    public string MeasureMethod { get; init; } = "";

    /// <summary>Read bandwidth from DRAM measured on every core, in GB/s (10⁹ bytes); null when not measured.</summary>
    public double? MeasuredBandwidthGBps { get; init; }

    /// <summary>How <see cref="MeasuredBandwidthGBps"/> was measured.</summary>
    public string BandwidthMethod { get; init; } = "";

    /// <summary>The one-line host description measured figures elsewhere carry.</summary>
    public required HostDescription HostDescription { get; init; }

    /// <summary>Field name (camelCase, as in JSON) → where its value came from.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; init; } = new Dictionary<string, string>();

    /// <summary>One line: CPU, cores, key ISA flags, memory, GPUs, providers.</summary>
    public string Summary
    {
        get
        {
            var cores = PhysicalCores is { } p && p != LogicalCores ? $"{p} cores/{LogicalCores} threads" : $"{LogicalCores} cores";
            var clock = (MaxGhz ?? BaseGhz) is { } ghz ? string.Create(CultureInfo.InvariantCulture, $" @ {ghz:0.0#} GHz") : "";
            var isa = IsaFeatures.Count > 0 ? string.Join(' ', KeyIsaFeatures()) : "no SIMD";
            var gpus = Gpus.Count == 0 ? "no NVIDIA GPU" : Gpus.Count == 1 ? $"1 GPU ({Gpus[0].Name})" : $"{Gpus.Count} GPUs";
            var providers = string.Join(", ", OrtProviders.Select(ShortProviderName));
            return string.Create(CultureInfo.InvariantCulture,
                $"{CpuModel} ({Architecture.ToString().ToLowerInvariant()}), {cores}{clock}, {isa}, {MemoryBytes / (double)(1L << 30):0.#} GiB RAM, {gpus}, ORT providers: {providers}");
        }
    }

    /// <summary>
    /// This host as a catalogue-style device, for estimates and comparisons: its CPU unit carries the MEASURED peaks
    /// (the ISA-derived ones when the probe did not measure), memory in GiB, the measured bandwidth (0 when not measured)
    /// and the ONNX Runtime providers that map to an <see cref="AccelerationBackend"/>.
    /// </summary>
    public EdgeDevice ToEdgeDevice()
    {
        var measured = MeasuredPeakGops.ContainsKey(Precision.Fp32);
        var peaks = new Dictionary<Precision, double>(measured ? MeasuredPeakGops : TheoreticalPeakGops);
        var unitSource = measured
            ? "measured on this host by HostProbe: " + MeasureMethod
            : "derived from ISA and clock by HostProbe (not measured): " + PeakMethod;
        if (measured && !peaks.ContainsKey(Precision.Fp16) && TheoreticalPeakGops.TryGetValue(Precision.Fp16, out var fp16) &&
            TheoreticalPeakGops.TryGetValue(Precision.Fp32, out var fp32) && fp32 > 0)
        {
            // FP16 is not measured; scale the measured FP32 by the ISA's FP16/FP32 ratio (1 without FP16 arithmetic).
            peaks[Precision.Fp16] = peaks[Precision.Fp32] * fp16 / fp32;
            unitSource += "; FP16 = measured FP32 × ISA FP16/FP32 ratio (" + string.Create(CultureInfo.InvariantCulture, $"{fp16 / fp32:0.#}") + ")";
        }
        if (measured && !peaks.ContainsKey(Precision.Int8) && TheoreticalPeakGops.TryGetValue(Precision.Int8, out var int8Theory))
        {
            peaks[Precision.Int8] = int8Theory;
            unitSource += "; INT8 not measurable with .NET intrinsics here: ISA-derived";
        }

        var clusterGhz = MaxGhz ?? BaseGhz ?? 0;
        var backends = OrtProviders.Select(ExecutionProviders.BackendOf).OfType<AccelerationBackend>().Distinct().ToList();
        var sources = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["name"] = Sources.GetValueOrDefault("cpuModel", "HostProbe"),
            ["platform"] = "this host (HostProbe)",
            ["soc"] = Sources.GetValueOrDefault("cpuModel", "HostProbe"),
            ["cpuClusters"] = $"{Sources.GetValueOrDefault("physicalCores", "")}; clock: {Sources.GetValueOrDefault(MaxGhz is null ? "baseGhz" : "maxGhz", "unknown")}",
            ["computeUnits"] = unitSource,
            ["memoryGb"] = Sources.GetValueOrDefault("memoryBytes", "HostProbe") + " (GiB)",
            ["memoryBandwidthGBps"] = MeasuredBandwidthGBps is null ? "not measured (HostProbeOptions.MeasurePeaks = false)" : "measured on this host by HostProbe: " + BandwidthMethod,
            ["accelerators"] = Sources.GetValueOrDefault("gpus", "NVML"),
            ["backends"] = Sources.GetValueOrDefault("ortProviders", "ONNX Runtime"),
        };

        return new EdgeDevice
        {
            Id = "host",
            Name = $"This host ({CpuModel})",
            Aliases = ["this host", "local"],
            Platform = EdgePlatform.Desktop,
            Soc = CpuModel,
            CpuClusters = [new CpuCluster(PhysicalCores ?? LogicalCores, CpuModel, clusterGhz)],
            ComputeUnits = [new ComputeUnit(ComputeUnitKind.Cpu, $"{CpuModel}, {LogicalCores} threads", peaks, unitSource)],
            MemoryGb = MemoryBytes / (double)(1L << 30),
            MemoryBandwidthGBps = MeasuredBandwidthGBps ?? 0,
            Accelerators = Gpus.Select(g => "GPU: " + g.Name).ToList(),
            Backends = backends,
            Sources = sources,
        };
    }

    private static string ShortProviderName(string provider) =>
        provider.EndsWith("ExecutionProvider", StringComparison.Ordinal) ? provider[..^"ExecutionProvider".Length] : provider;

    // The flags that decide which kernels ORT's MLAS picks: widest SIMD, then INT8 dot products and AMX.
    private IEnumerable<string> KeyIsaFeatures()
    {
        string[] widest = ["Avx512F", "Avx2", "Avx", "Sse42", "Sve2", "Sve", "AdvSimd"];
        var best = widest.FirstOrDefault(IsaFeatures.Contains);
        if (best is not null) yield return best;
        foreach (var name in new[] { "Avx512Vnni", "AvxVnni", "AmxInt8", "Dp", "I8mm", "Fp16", "Avx512Fp16" })
        {
            if (IsaFeatures.Contains(name)) yield return name;
        }
    }
}
