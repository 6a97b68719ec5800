namespace EdgeOpt.Devices;

/// <summary>
/// A deployment target as the catalogue (or the host probe) describes it. Every figure comes from a public source
/// recorded in <see cref="Sources"/> (field name → source), so an estimate built on it can say where it stands.
/// </summary>
public sealed record EdgeDevice
{
    /// <summary>Stable lower-case key, e.g. <c>"pixel-8"</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Display name, e.g. <c>"Google Pixel 8"</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Other names it is looked up by (marketing names, model numbers such as <c>"SM-S911"</c>).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    public required EdgePlatform Platform { get; init; }

    /// <summary>System on chip (or browser engine for <see cref="EdgePlatform.Web"/>).</summary>
    public string Soc { get; init; } = "";

    public IReadOnlyList<CpuCluster> CpuClusters { get; init; } = [];

    /// <summary>CPU, GPU and NPU with their peak throughput per precision.</summary>
    public IReadOnlyList<ComputeUnit> ComputeUnits { get; init; } = [];

    /// <summary>RAM in GB (for browsers: a typical memory budget of a tab).</summary>
    public double MemoryGb { get; init; }

    /// <summary>Peak DRAM bandwidth in GB/s.</summary>
    public double MemoryBandwidthGBps { get; init; }

    /// <summary>Power the device can sustain under load without throttling, in watts (null: unknown).</summary>
    public double? SustainedPowerW { get; init; }

    /// <summary>Thermal design power / maximum module power in watts (null: unknown).</summary>
    public double? TdpW { get; init; }

    /// <summary>Battery capacity in watt-hours (null: no battery).</summary>
    public double? BatteryWh { get; init; }

    /// <summary>Power, battery-drain and thermal figures for the energy model (null: none published here; see <c>edgeopt power</c>).</summary>
    public DevicePower? Power { get; init; }

    /// <summary>Accelerators by name: <c>"Neural Engine"</c>, <c>"NNAPI"</c>, <c>"GPU"</c>, <c>"TensorRT"</c>, <c>"Edge TPU"</c>, <c>"WebGPU"</c>.</summary>
    public IReadOnlyList<string> Accelerators { get; init; } = [];

    /// <summary>ONNX Runtime execution providers (or web backends) that apply, best first.</summary>
    public IReadOnlyList<AccelerationBackend> Backends { get; init; } = [];

    /// <summary>Minimum OS (or browser) version for those backends, e.g. <c>"iOS 16"</c>, <c>"Android 8.1 (NNAPI)"</c>.</summary>
    public string? OsMinimum { get; init; }

    /// <summary>Field name (e.g. <c>"memoryBandwidthGBps"</c>) → public source (URL or document).</summary>
    public IReadOnlyDictionary<string, string> Sources { get; init; } = new Dictionary<string, string>();

    /// <summary>The memory class: under 4 GB low, under 8 GB mid, else high (the footprint targets are 100/200/500 MB).</summary>
    /// <summary>
    /// The cores ONNX Runtime's intra-op pool should use: all but the slowest cluster when there are several (little
    /// cores slow a parallel op down); 1 when the catalogue lists no CPU.
    /// </summary>
    public int PerformanceCores => Math.Max(1, PerformanceClusters.Sum(c => c.Cores));

    /// <summary>The clusters <see cref="PerformanceCores"/> counts, fastest first: every cluster but the slowest when there are several.</summary>
    internal IReadOnlyList<CpuCluster> PerformanceClusters
    {
        get
        {
            if (CpuClusters.Count <= 1) return CpuClusters;
            var slowest = CpuClusters.Min(c => c.MaxGhz);
            var faster = CpuClusters.Where(c => c.MaxGhz > slowest).OrderByDescending(c => c.MaxGhz).ToList();
            return faster.Count > 0 ? faster : CpuClusters; // all clusters at one clock: none is the little one
        }
    }

    public DeviceClass Class => MemoryGb < 4 ? DeviceClass.Low : MemoryGb < 8 ? DeviceClass.Mid : DeviceClass.High;

    /// <summary>The unit of <paramref name="kind"/> with the highest peak at <paramref name="precision"/>, or null.</summary>
    public ComputeUnit? BestUnit(ComputeUnitKind kind, Precision precision) => ComputeUnits
        .Where(u => u.Kind == kind && u.PeakGops.ContainsKey(precision))
        .MaxBy(u => u.PeakGops[precision]);
}

/// <summary>How much memory a device has, which sets the footprint a model should stay under.</summary>
public enum DeviceClass
{
    /// <summary>Under 4 GB: keep the model's peak footprint under 100 MB.</summary>
    Low,

    /// <summary>4 to 8 GB: under 200 MB.</summary>
    Mid,

    /// <summary>8 GB and more: under 500 MB.</summary>
    High,
}
