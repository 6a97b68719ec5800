using System.Text.Json;
using EdgeOpt.Devices;

namespace EdgeOpt.Targets.Linux;

/// <summary>
/// The session settings a Linux package ships in <c>session_options.json</c> (what the runner reads): intra-op threads,
/// execution providers to try before the CPU one, graph optimizations; and the device's performance cores they came from.
/// </summary>
internal sealed record LinuxTuning(int IntraOpThreads, string ThreadsReason, IReadOnlyList<string> Providers, CpuCluster? Cores)
{
    public const string FileName = "session_options.json";

    /// <summary>ONNX Runtime's full set of graph rewrites, what a deployment runs with (the runner's default too).</summary>
    public const string GraphOptimization = "all";

    public static LinuxTuning For(EdgeDevice? device, LinuxArchitecture architecture)
    {
        // Arm: XNNPACK when the bundled ONNX Runtime build has it (the runner falls back to the CPU provider otherwise).
        IReadOnlyList<string> providers = architecture == LinuxArchitecture.Arm64 ? ["xnnpack"] : [];
        // The same rule as the Android and iOS packages (EdgeDevice.PerformanceCores): every cluster but the slowest, since
        // ORT's threads wait for the slowest one at every operator and little cores would slow each operator down.
        var clusters = device?.PerformanceClusters ?? [];
        if (device is null || clusters.Count == 0)
            return new(0, "0: ONNX Runtime's default, one thread per physical core of the machine it runs on", providers, null);
        var threads = device.PerformanceCores;
        var used = string.Join(" + ", clusters.Select(c => $"{c.Cores} {c.Core}"));
        var left = device.CpuClusters.Where(c => !clusters.Contains(c)).ToList();
        var reason = left.Count == 0
            ? $"{threads}: the {device.Name}'s {used} cores"
            : $"{threads}: the {device.Name}'s {used} performance cores, not its slower ones " +
              $"({string.Join(", ", left.Select(c => $"{c.Cores}x {c.Core}"))}): an operator waits for its slowest thread";
        // The fastest cluster's core decides the INT8 advice (dot-product instructions).
        return new(threads, reason, providers, clusters[0]);
    }

    public byte[] ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("intraOpThreads", IntraOpThreads);
            json.WriteString("graphOptimizationLevel", GraphOptimization);
            json.WriteStartArray("executionProviders");
            foreach (var provider in Providers) json.WriteStringValue(provider);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }
}
