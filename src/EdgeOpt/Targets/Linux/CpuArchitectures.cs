using EdgeOpt.Devices;

namespace EdgeOpt.Targets.Linux;

/// <summary>
/// Which instruction set a catalogue device's CPU runs, from its core names: the catalogue lists cores by their
/// microarchitecture (Cortex-A72, Carmel), and a package built for the wrong one does not start.
/// </summary>
internal static class CpuArchitectures
{
    // Arm's own cores and the Arm-compatible ones the catalogue lists (NVIDIA's Carmel and Denver).
    private static readonly string[] ArmPrefixes = ["Cortex-", "Neoverse-", "Carmel", "Denver"];

    /// <summary>The device's Linux architecture, or null when no core name says (a device without CPU clusters).</summary>
    public static LinuxArchitecture? Of(EdgeDevice device)
    {
        if (device.CpuClusters.Count == 0) return null;
        return device.CpuClusters.Any(c => IsArm(c.Core)) ? LinuxArchitecture.Arm64 : LinuxArchitecture.X64;
    }

    public static bool IsArm(string core) => ArmPrefixes.Any(p => core.Trim().StartsWith(p, StringComparison.OrdinalIgnoreCase));
}
