using System.Globalization;

namespace EdgeOpt.Devices.Probing;

/// <summary>
/// The parts of Linux's <c>/proc/cpuinfo</c> the probe uses. x86 kernels list ISA extensions under <c>flags</c>,
/// Arm kernels under <c>Features</c>; both are merged into <see cref="Flags"/>.
/// </summary>
internal sealed class CpuInfoFile
{
    public static CpuInfoFile Empty { get; } = new(null, null, new HashSet<string>(StringComparer.Ordinal), null);

    private CpuInfoFile(string? modelName, double? mhz, HashSet<string> flags, int? physicalCores)
    {
        ModelName = modelName;
        Mhz = mhz;
        Flags = flags;
        PhysicalCores = physicalCores;
    }

    public string? ModelName { get; }

    /// <summary>The first core's <c>cpu MHz</c> (its clock when read; a VM reports the nominal clock).</summary>
    public double? Mhz { get; }

    public IReadOnlySet<string> Flags { get; }

    /// <summary>Distinct (<c>physical id</c>, <c>core id</c>) pairs, when the kernel lists them.</summary>
    public int? PhysicalCores { get; }

    public static CpuInfoFile Read(string path = "/proc/cpuinfo")
    {
        var lines = LinuxFiles.ReadLines(path);
        if (lines is null) return Empty;

        string? model = null, fallbackModel = null;
        double? mhz = null;
        var flags = new HashSet<string>(StringComparer.Ordinal);
        var cores = new HashSet<(string, string)>();
        string physicalId = "0";
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "model name": model ??= value; break;
                case "Hardware" or "Model" or "cpu model": if (value.Length > 0) fallbackModel ??= value; break;
                case "cpu MHz" when mhz is null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m > 0: mhz = m; break;
                case "flags" or "Features": flags.UnionWith(value.Split(' ', StringSplitOptions.RemoveEmptyEntries)); break;
                case "physical id": physicalId = value; break;
                case "core id": cores.Add((physicalId, value)); break;
            }
        }
        return new CpuInfoFile(model ?? fallbackModel, mhz, flags, cores.Count > 0 ? cores.Count : null);
    }
}
