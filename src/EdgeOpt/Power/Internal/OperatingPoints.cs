using EdgeOpt.Devices;

namespace EdgeOpt.Power.Internal;

/// <summary>The performance / balanced / battery-saver points of a device: its vendor modes where the catalogue has them, else generic ones.</summary>
internal static class OperatingPoints
{
    /// <summary>
    /// Generic points where a vendor publishes none: the seed's power-management table (performance 100 %, balanced
    /// 85 %, battery saver 65 % of the performance), read as clock shares.
    /// </summary>
    public static readonly IReadOnlyList<OperatingPoint> Generic =
    [
        new("max clock", PowerModeKind.Performance, 1.0),
        new("85 % clock", PowerModeKind.Balanced, 0.85),
        new("65 % clock", PowerModeKind.BatterySaver, 0.65),
    ];

    public static IReadOnlyList<OperatingPoint> For(DevicePower power) =>
        Enum.GetValues<PowerModeKind>().Select(kind => power.Modes.FirstOrDefault(m => m.Mode == kind) ?? Generic[(int)kind]).ToList();
}
