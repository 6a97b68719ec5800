using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Runner;

/// <summary>
/// The package's <c>session_options.json</c>: intra-op threads (0 = ONNX Runtime's choice, one per physical core), the
/// graph optimization level, and execution providers to try before the CPU one (used when this ONNX Runtime build has
/// them). Read with <see cref="JsonDocument"/>: no reflection, nothing to trim away.
/// </summary>
internal sealed record RunnerSettings(int IntraOpThreads, string OptimizationLevel, IReadOnlyList<string> Providers)
{
    public const string FileName = "session_options.json";

    public static RunnerSettings Defaults { get; } = new(0, "all", []);

    /// <summary><paramref name="path"/>, or <see cref="FileName"/> next to the model when it exists, else the defaults.</summary>
    public static RunnerSettings Load(string? path, string model)
    {
        var file = path ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(model))!, FileName);
        if (path is null && !File.Exists(file)) return Defaults;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(file));
            var root = json.RootElement;
            var threads = root.TryGetProperty("intraOpThreads", out var t) ? t.GetInt32() : 0;
            var level = root.TryGetProperty("graphOptimizationLevel", out var l) ? l.GetString() ?? "all" : "all";
            var providers = root.TryGetProperty("executionProviders", out var p) ? p.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [];
            if (threads < 0) throw new UsageError($"'{file}': intraOpThreads must be 0 (ONNX Runtime's choice) or more");
            if (level is not ("none" or "basic" or "extended" or "all")) throw new UsageError($"'{file}': graphOptimizationLevel must be none, basic, extended or all, not '{level}'");
            return new RunnerSettings(threads, level, providers);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageError($"cannot read '{file}': {e.Message}");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new UsageError($"'{file}' is not a valid {FileName}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>Opens the model; <paramref name="provider"/> is the provider used ("cpu" when none listed is in this build).</summary>
    public InferenceSession Open(string model, out string provider)
    {
        if (!File.Exists(model)) throw new UsageError($"model '{model}' not found");
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = OptimizationLevel switch
            {
                "none" => GraphOptimizationLevel.ORT_DISABLE_ALL,
                "basic" => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                "extended" => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            IntraOpNumThreads = IntraOpThreads,
        };
        provider = "cpu";
        var available = OrtEnv.Instance().GetAvailableProviders();
        foreach (var wanted in Providers)
        {
            if (wanted == "xnnpack" && available.Contains("XnnpackExecutionProvider"))
            {
                // XNNPACK has its own thread pool: ORT's docs recommend giving it the threads and keeping ORT's pool at
                // one thread that does not spin, so the two do not fight over the cores.
                var threads = IntraOpThreads > 0 ? IntraOpThreads : Environment.ProcessorCount;
                options.AppendExecutionProvider("XNNPACK", new Dictionary<string, string> { ["intra_op_num_threads"] = $"{threads}" });
                options.IntraOpNumThreads = 1;
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                provider = "xnnpack";
                break;
            }
            if (wanted is not ("xnnpack" or "cpu"))
                throw new UsageError($"execution provider '{wanted}' is not one the runner knows (xnnpack, cpu)");
        }
        try
        {
            return new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new RunError($"ONNX Runtime cannot load '{model}': {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
