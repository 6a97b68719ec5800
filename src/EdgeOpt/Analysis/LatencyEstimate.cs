using EdgeOpt.Devices;

namespace EdgeOpt.Analysis;

/// <summary>
/// What a model would cost on a device, by the roofline model in <see cref="Method"/>. Every figure here is
/// estimated (<see cref="Provenance"/>), from the device's published peak throughput and memory bandwidth.
/// </summary>
public sealed record LatencyEstimate
{
    /// <summary>Always <c>"estimated"</c>: nothing here was measured on the device.</summary>
    public string Provenance => "estimated";

    /// <summary>How the figures were computed: the formula, where peak and bandwidth come from, the efficiencies and their calibration.</summary>
    public required string Method { get; init; }

    public required string DeviceId { get; init; }
    public required string DeviceName { get; init; }
    public required EdgePlatform Platform { get; init; }
    public required Precision Precision { get; init; }
    public required int Batch { get; init; }

    /// <summary>The processor estimated for.</summary>
    public required ComputeUnitKind Unit { get; init; }

    public required string UnitName { get; init; }

    /// <summary>Why this unit: given by the caller, or the default for the precision.</summary>
    public required string UnitChoice { get; init; }

    /// <summary>The unit's peak at <see cref="Precision"/>, in GOPS (one MAC = 2 operations).</summary>
    public required double PeakGops { get; init; }

    /// <summary>The device's DRAM bandwidth in GB/s (a cache-resident model is estimated at a multiple of it; see <see cref="Method"/>).</summary>
    public required double MemoryBandwidthGBps { get; init; }

    /// <summary>Intra-op threads the CPU estimate assumes (ONNX Runtime's default for the device unless given); null for GPU/NPU.</summary>
    public int? Threads { get; init; }

    /// <summary>Fixed cost of one run on top of its nodes (session dispatch; on GPUs input upload and synchronization), included in <see cref="TotalMs"/>.</summary>
    public double RunOverheadMs { get; init; }

    /// <summary>Every node of the main graph in topological order.</summary>
    public required IReadOnlyList<NodeEstimate> Nodes { get; init; }

    /// <summary>The nodes' estimated times plus <see cref="RunOverheadMs"/>.</summary>
    public required double TotalMs { get; init; }
    public required long TotalMacs { get; init; }
    public required long TotalBytesMoved { get; init; }

    /// <summary>Share of <see cref="TotalMs"/> spent in nodes of each bound (compute, memory, overhead).</summary>
    public required IReadOnlyDictionary<RooflineBound, double> TimeShareByBound { get; init; }

    /// <summary>Weights at <see cref="Precision"/>.</summary>
    public required long WeightBytes { get; init; }

    /// <summary>Peak bytes of live activations at <see cref="Precision"/> (no buffer reuse assumed: an upper bound).</summary>
    public required long PeakActivationBytes { get; init; }

    /// <summary>Weights plus peak activations.</summary>
    public long PeakMemoryBytes => WeightBytes + PeakActivationBytes;

    public required DeviceClass DeviceClass { get; init; }

    /// <summary>The footprint a model should stay under on this class: 100, 200 or 500 MB (10⁶ bytes).</summary>
    public required long ClassTargetBytes { get; init; }

    public bool FitsClassTarget => PeakMemoryBytes < ClassTargetBytes;

    /// <summary>The model file's size as given.</summary>
    public required long ModelFileBytes { get; init; }

    /// <summary>The file's size with its float weights stored at <see cref="Precision"/>: what a browser downloads first.</summary>
    public required long InitialLoadBytes { get; init; }

    /// <summary>For browsers only: whether <see cref="InitialLoadBytes"/> is under the 50 MB initial-load target; null elsewhere.</summary>
    public bool? FitsBrowserInitialLoad => Platform == EdgePlatform.Web ? InitialLoadBytes < LatencyEstimator.BrowserInitialLoadBytes : null;
}
