using EdgeOpt.Devices;

namespace EdgeOpt.Deployment;

/// <summary>
/// The device testing matrix (the seed's <c>benchmark_edge_deployment</c> over a list of devices): one row per device,
/// estimated, and one for this host, measured. Each row says which it is in <see cref="DeviceMatrixRow.Source"/>.
/// </summary>
/// <param name="ModelPath">The model as given.</param>
/// <param name="ModelBytes">Its file size (with external data).</param>
/// <param name="Precision">The precision the device rows are estimated at.</param>
/// <param name="Batch">Items per inference.</param>
/// <param name="Rows">The devices in the order asked, then the host (when measured).</param>
/// <param name="Notes">What a reader needs to weigh the figures (estimate method, what the host ran).</param>
public sealed record DeviceMatrixResult(string ModelPath, long ModelBytes, Precision Precision, int Batch, IReadOnlyList<DeviceMatrixRow> Rows,
    IReadOnlyList<string> Notes);

/// <summary>Where a row's latency and memory come from.</summary>
public enum FigureSource
{
    /// <summary>The latency model's estimate for the device (nothing ran there).</summary>
    Estimated,

    /// <summary>Measured on this host with ONNX Runtime.</summary>
    Measured,
}

/// <summary>One device of the matrix.</summary>
public sealed record DeviceMatrixRow
{
    /// <summary>The catalogue id (<c>pixel-7</c>), a custom device's id, or <c>host</c>.</summary>
    public required string Device { get; init; }

    public required string Name { get; init; }

    public required EdgePlatform Platform { get; init; }

    public required DeviceClass Class { get; init; }

    /// <summary>Estimated (a catalogue or custom device) or measured (this host).</summary>
    public required FigureSource Source { get; init; }

    /// <summary>The precision of <see cref="LatencyMs"/> and <see cref="MemoryBytes"/> (the host row: the model as given).</summary>
    public required Precision Precision { get; init; }

    /// <summary>The processor the figures are for: <c>cpu</c>, <c>gpu</c> or <c>npu</c>.</summary>
    public string? Unit { get; init; }

    /// <summary>Latency per inference in ms: estimated, or the measured p50. Null when the device cannot be estimated (see <see cref="Problem"/>).</summary>
    public double? LatencyMs { get; init; }

    /// <summary>The measured p90 in ms (host row only).</summary>
    public double? LatencyP90Ms { get; init; }

    /// <summary>Peak memory in bytes: estimated weights + live activations, or the host session's measured peak working set.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>The footprint target of the device's memory class (100, 200 or 500 MB).</summary>
    public required long ClassTargetBytes { get; init; }

    /// <summary>Whether <see cref="MemoryBytes"/> is under <see cref="ClassTargetBytes"/>.</summary>
    public bool? Fits { get; init; }

    /// <summary>Bytes a browser fetches before the first inference (web devices; estimated).</summary>
    public long? InitialLoadBytes { get; init; }

    /// <summary>Intra-op threads the host row was measured with.</summary>
    public int? Threads { get; init; }

    /// <summary>The device's best backend by the operator support tables (see <see cref="BackendReason"/>).</summary>
    public required AccelerationBackend Backend { get; init; }

    /// <summary>Graph partitions on <see cref="Backend"/> (1: all on it); null without a support table.</summary>
    public int? Partitions { get; init; }

    /// <summary>Nodes <see cref="Backend"/> runs, of <see cref="TotalNodes"/>; null without a support table.</summary>
    public int? SupportedNodes { get; init; }

    public int TotalNodes { get; init; }

    /// <summary>Why <see cref="Backend"/>: its coverage, or that it has no support table and is assumed to run every node.</summary>
    public string? BackendReason { get; init; }

    /// <summary>The configuration to start from on this device.</summary>
    public SuggestedConfig? Suggested { get; init; }

    /// <summary>A custom device's closest catalogue entry, whose figures it borrows.</summary>
    public string? BorrowedFrom { get; init; }

    /// <summary>Why the device could not be estimated (e.g. no unit for the precision); null when it was.</summary>
    public string? Problem { get; init; }
}

/// <summary>
/// A starting configuration for a device: the backend chosen from the support tables, the precision its unit runs
/// fastest by the estimate, and the CPU threads ONNX Runtime should use (the big and mid cores).
/// </summary>
/// <param name="Precision">The number format to deploy at.</param>
/// <param name="Backend">The backend (execution provider) to deploy on.</param>
/// <param name="Unit">The processor that backend runs on: <c>cpu</c>, <c>gpu</c> or <c>npu</c>.</param>
/// <param name="Threads">ONNX Runtime intra-op threads.</param>
/// <param name="EstimatedLatencyMs">The latency estimated at this precision on the backend's unit.</param>
/// <param name="Reason">Why, in one line (the precisions compared, the cores counted).</param>
public sealed record SuggestedConfig(Precision Precision, AccelerationBackend Backend, string Unit, int Threads, double EstimatedLatencyMs, string Reason);
