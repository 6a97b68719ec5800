namespace EdgeOpt.Devices;

/// <summary>
/// What a device offers for a set of requested backends (<see cref="EdgeAccelerator.GetDeviceCapabilities"/>):
/// per backend whether it applies, on which unit it runs and how fast that unit is, plus the memory footprint a
/// model should stay under on this device and the battery it draws from.
/// </summary>
/// <param name="Device">The device described.</param>
/// <param name="Backends">One entry per requested backend, in request order, supported or not.</param>
/// <param name="MemoryTargetMb">The footprint a model should stay under: 100/200/500 MB by device class; 50 MB initial load in browsers.</param>
/// <param name="MemoryTargetBasis">Why that target (device class and memory, or the browser initial-load budget).</param>
public sealed record DeviceCapabilities(EdgeDevice Device, IReadOnlyList<BackendCapability> Backends, double MemoryTargetMb, string MemoryTargetBasis)
{
    /// <summary>The device's memory class (low/mid/high).</summary>
    public DeviceClass Class => Device.Class;

    /// <summary>Battery capacity in watt-hours, or null for mains-powered devices and browsers.</summary>
    public double? BatteryWh => Device.BatteryWh;

    /// <summary>The requested backends the device supports, in request order.</summary>
    public IReadOnlyList<AccelerationBackend> Supported => [.. Backends.Where(b => b.Supported).Select(b => b.Backend)];

    /// <summary>The entry for <paramref name="backend"/>.</summary>
    /// <exception cref="UsageException">The backend was not among those requested.</exception>
    public BackendCapability this[AccelerationBackend backend] =>
        Backends.FirstOrDefault(b => b.Backend == backend)
        ?? throw new UsageException($"backend {backend} was not requested; requested: {string.Join(", ", Backends.Select(b => b.Backend))}");
}
