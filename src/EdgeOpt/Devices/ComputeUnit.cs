namespace EdgeOpt.Devices;

/// <summary>What kind of processor a <see cref="ComputeUnit"/> is.</summary>
public enum ComputeUnitKind
{
    Cpu,
    Gpu,
    Npu,
}

/// <summary>
/// One processor of a device with its peak throughput per precision, in GOPS (10⁹ multiply-or-add operations per
/// second; one MAC = 2 operations). Peaks are vendor or derived figures, never measured here unless
/// <see cref="Source"/> says so.
/// </summary>
/// <param name="Kind">CPU, GPU or NPU.</param>
/// <param name="Name">E.g. <c>"Apple A16 Neural Engine"</c>, <c>"4x Cortex-A76 @ 2.4 GHz"</c>.</param>
/// <param name="PeakGops">Peak operations per second per precision (absent: the unit does not support it).</param>
/// <param name="Source">Where the figures come from (URL or document, and how a derived figure was computed).</param>
public sealed record ComputeUnit(ComputeUnitKind Kind, string Name, IReadOnlyDictionary<Precision, double> PeakGops, string Source);

/// <summary>A group of identical CPU cores.</summary>
/// <param name="Cores">How many.</param>
/// <param name="Core">Micro-architecture, e.g. <c>"Cortex-X3"</c>.</param>
/// <param name="MaxGhz">Maximum clock.</param>
public sealed record CpuCluster(int Cores, string Core, double MaxGhz)
{
    /// <summary>FP32 operations per cycle of one core (FMA lanes × 2); null when the catalogue does not say.</summary>
    public double? Fp32FlopsPerCycle { get; init; }

    /// <summary>The clock the cores hold under continuous load (phones throttle); null: <see cref="MaxGhz"/>.</summary>
    public double? SustainedGhz { get; init; }
}
