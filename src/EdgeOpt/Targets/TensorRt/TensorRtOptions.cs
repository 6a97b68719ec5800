using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// ORT's TensorRT EP options for an engine (names as in ORT's TensorRT-ExecutionProvider docs and
/// tensorrt_execution_provider_info.cc), written as a flat JSON object of strings: what the provider-options APIs take
/// in Python (<c>providers=[("TensorrtExecutionProvider", options)]</c>) and C# (<c>OrtTensorRTProviderOptions.UpdateOptions</c>).
/// Paths are relative to the package folder; the README's snippets make them absolute.
/// </summary>
internal static class TensorRtOptions
{
    public const string FileName = "tensorrt_options.json";
    public const string CalibratedFileName = "tensorrt_options.calibrated.json";

    /// <summary>Option keys that hold paths (made absolute by the snippets).</summary>
    public static IReadOnlyList<string> PathKeys { get; } = ["trt_engine_cache_path", "trt_timing_cache_path"];

    public static SortedDictionary<string, string> For(EngineSettings engine)
    {
        var options = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["trt_fp16_enable"] = Flag(engine.Fp16),
            ["trt_int8_enable"] = Flag(engine.Int8),
            ["trt_engine_cache_enable"] = "1",
            ["trt_engine_cache_path"] = EngineSettings.CacheFolder,
            ["trt_timing_cache_enable"] = "1",
            ["trt_timing_cache_path"] = EngineSettings.CacheFolder,
            ["trt_max_workspace_size"] = (engine.WorkspaceMiB * 1024L * 1024L).ToString(CultureInfo.InvariantCulture),
        };
        if (engine.Calibrated)
        {
            // The EP reads the table from trt_engine_cache_path; ORT's form by default, TensorRT's with the native flag.
            options["trt_int8_calibration_table_name"] = OrtCalibrationTable.FileName;
            options["trt_int8_use_native_calibration_table"] = "0";
        }
        if (engine.Sparsity) options["trt_sparsity_enable"] = "1";
        if (engine.Profiles.Count > 0)
        {
            options["trt_profile_min_shapes"] = ShapeProfiles.OrtShapes(engine.Profiles, r => r.Min);
            options["trt_profile_opt_shapes"] = ShapeProfiles.OrtShapes(engine.Profiles, r => r.Opt);
            options["trt_profile_max_shapes"] = ShapeProfiles.OrtShapes(engine.Profiles, r => r.Max);
        }
        return options;
    }

    public static string Write(IReadOnlyDictionary<string, string> options)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in options.OrderBy(o => o.Key, StringComparer.Ordinal)) writer.WriteString(key, value);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()).ReplaceLineEndings("\n") + "\n";
    }

    /// <exception cref="JsonException">Not a flat object of strings.</exception>
    public static Dictionary<string, string> Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("TensorRT options: expected a JSON object");
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
            options[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw new JsonException($"TensorRT option '{property.Name}' is not a string");
        return options;
    }

    private static string Flag(bool on) => on ? "1" : "0";
}
