using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Runtime;

/// <summary>
/// The machine a measurement was taken on, so every measured figure carries its provenance: CPU model,
/// logical cores, OS, and the .NET and ONNX Runtime versions.
/// </summary>
public sealed record HostDescription(string Cpu, int LogicalCores, string OperatingSystem, string Architecture, string DotNetVersion,
    string OnnxRuntimeVersion)
{
    private static readonly Lazy<HostDescription> LazyCurrent = new(Probe);

    /// <summary>This process's host (probed once).</summary>
    public static HostDescription Current => LazyCurrent.Value;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Cpu}, {LogicalCores} logical cores, {OperatingSystem}, .NET {DotNetVersion}, ONNX Runtime {OnnxRuntimeVersion}");

    private static HostDescription Probe() => new(
        CpuModel() ?? $"unknown {RuntimeInformation.ProcessArchitecture} CPU",
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
        Environment.Version.ToString(),
        OrtEnv.Instance().GetVersionString());

    // Linux only: x86 reports "model name", many ARM kernels only "Hardware" or "Model".
    private static string? CpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo)) return null;
        try
        {
            string? fallback = null;
            foreach (var line in File.ReadLines(cpuInfo))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0) continue;
                var key = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (value.Length == 0) continue;
                if (key == "model name") return value;
                if (key is "Hardware" or "Model" or "cpu model") fallback ??= value;
            }
            return fallback;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
