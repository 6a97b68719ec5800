using EdgeOpt.Devices;

namespace EdgeOpt.Tests.Estimation;

/// <summary>Hand-made devices with round figures, so expected roofline times can be computed by hand.</summary>
internal static class Devices
{
    public static ComputeUnit Cpu(double fp32 = 100, double? int8 = null) => new(ComputeUnitKind.Cpu, "test CPU",
        int8 is { } i ? new Dictionary<Precision, double> { [Precision.Fp32] = fp32, [Precision.Int8] = i } : new Dictionary<Precision, double> { [Precision.Fp32] = fp32 },
        "hand-made test figures");

    public static EdgeDevice Make(double memoryGb = 2, double bandwidth = 10, EdgePlatform platform = EdgePlatform.Android, params ComputeUnit[] units) => new()
    {
        Id = "test-device",
        Name = "Test Device",
        Platform = platform,
        MemoryGb = memoryGb,
        MemoryBandwidthGBps = bandwidth,
        ComputeUnits = units.Length == 0 ? [Cpu()] : units,
        Sources = new Dictionary<string, string> { ["memoryBandwidthGBps"] = "hand-made test figure" },
    };
}
