namespace EdgeOpt.Devices;

/// <summary>How one backend stands on one device.</summary>
/// <param name="Backend">The requested backend.</param>
/// <param name="Supported">Whether the backend applies to the device at all.</param>
/// <param name="Unit">The compute unit it runs on (null when unsupported).</param>
/// <param name="Precisions">Precisions the backend runs there (empty when unsupported).</param>
/// <param name="PeakGops">The unit's peak per precision, limited to <paramref name="Precisions"/> (empty when the vendor publishes none).</param>
/// <param name="Caveats">What to know before relying on it (deprecations, conversions, precision limits).</param>
/// <param name="Reason">Why it is unsupported (null when supported).</param>
public sealed record BackendCapability(
    AccelerationBackend Backend,
    bool Supported,
    ComputeUnit? Unit,
    IReadOnlyList<Precision> Precisions,
    IReadOnlyDictionary<Precision, double> PeakGops,
    IReadOnlyList<string> Caveats,
    string? Reason);
