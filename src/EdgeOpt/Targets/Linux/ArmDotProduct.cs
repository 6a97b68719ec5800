namespace EdgeOpt.Targets.Linux;

/// <summary>
/// Whether an Arm core has the Armv8.2 dot-product instructions (SDOT/UDOT, "asimddp" in /proc/cpuinfo), which ONNX
/// Runtime's MLAS uses for 8-bit GEMM and convolution: four 8-bit multiply-adds per 32-bit lane in one instruction.
/// Without them INT8 falls back to widening multiply-adds and gains little over FP32. Per Arm's technical reference
/// manuals; a core not listed is unknown.
/// </summary>
internal static class ArmDotProduct
{
    private static readonly HashSet<string> With = new(StringComparer.OrdinalIgnoreCase)
    {
        "Cortex-A55", "Cortex-A65", "Cortex-A75", "Cortex-A76", "Cortex-A77", "Cortex-A78", "Cortex-A78AE", "Cortex-A78C",
        "Cortex-A510", "Cortex-A520", "Cortex-A710", "Cortex-A715", "Cortex-A720", "Cortex-X1", "Cortex-X2", "Cortex-X3", "Cortex-X4",
        "Neoverse-N1", "Neoverse-N2", "Neoverse-V1", "Neoverse-V2",
    };

    // Armv8.0-A cores.
    private static readonly HashSet<string> Without = new(StringComparer.OrdinalIgnoreCase)
    {
        "Cortex-A35", "Cortex-A53", "Cortex-A57", "Cortex-A72", "Cortex-A73",
    };

    public static bool? Has(string core) => With.Contains(core.Trim()) ? true : Without.Contains(core.Trim()) ? false : null;
}
