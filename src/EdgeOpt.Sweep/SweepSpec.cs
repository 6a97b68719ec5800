using System.Globalization;
using System.Text.Json;
using EdgeOpt.Deployment;
using EdgeOpt.Devices;

namespace EdgeOpt.Sweep;

/// <summary>
/// A sweep file: the models, devices and precisions to cross, and the constraints the chosen variant per model and
/// device must meet.
/// <code>
/// {"models": ["a.onnx", "b.onnx"], "devices": ["pixel-7", "raspberry-pi-4"], "precisions": ["fp32", "int8-dynamic"],
///  "constraints": {"targetLatencyMs": 50}}
/// </code>
/// Model paths are relative to the file's folder. <see cref="Load"/> reports every problem at once, before anything runs.
/// </summary>
public sealed record SweepSpec
{
    /// <summary>Model files, as full paths.</summary>
    public required IReadOnlyList<string> Models { get; init; }

    /// <summary>Devices: catalogue ids (as resolved: <c>pixel-7</c>) or full paths of device.json files.</summary>
    public required IReadOnlyList<string> Devices { get; init; }

    /// <summary>Precisions to evaluate each model at on each device.</summary>
    public required IReadOnlyList<CandidatePrecision> Precisions { get; init; }

    /// <summary>What the chosen variant must meet.</summary>
    public SweepConstraints Constraints { get; init; } = new();

    /// <summary>Timed runs per candidate for the host latency (<see cref="CandidateSpec.LatencyRuns"/>).</summary>
    public int LatencyRuns { get; init; } = CandidateSpec.DefaultLatencyRuns;

    private static readonly string[] Fields = ["models", "devices", "precisions", "constraints", "latencyRuns"];
    private static readonly string[] ConstraintFields = ["targetLatencyMs", "maxMemoryMb", "maxSizeMb"];

    /// <summary>Reads and checks a sweep file.</summary>
    /// <exception cref="UsageException">The file is missing or unreadable, not JSON, or has problems: every one is listed in the message.</exception>
    public static SweepSpec Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"sweep file {path}: {e.Message}", e);
        }
        return Parse(text, Path.GetDirectoryName(Path.GetFullPath(path))!, path);
    }

    /// <summary>Reads a sweep from JSON; model paths relative to <paramref name="folder"/>.</summary>
    /// <exception cref="UsageException">Not JSON, or problems (all listed).</exception>
    public static SweepSpec Parse(string json, string folder, string source = "sweep file")
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(folder);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new UsageException($"{source} is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var problems = new List<string>();
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new UsageException($"{source}: expected a JSON object with models, devices and precisions");
            foreach (var property in root.EnumerateObject())
                if (!Fields.Contains(property.Name, StringComparer.Ordinal))
                    problems.Add($"unknown field '{property.Name}' (expected {string.Join(", ", Fields)})");

            var models = new List<string>();
            var modelNames = Strings(root, "models", problems);
            for (var i = 0; i < modelNames.Count; i++)
            {
                var full = Path.GetFullPath(Path.Combine(folder, modelNames[i]));
                if (!File.Exists(full)) problems.Add($"models[{i}] '{modelNames[i]}': no such file ({full})");
                else if (models.Contains(full, StringComparer.Ordinal)) problems.Add($"models[{i}] '{modelNames[i]}': listed twice");
                else models.Add(full);
            }

            var devices = new List<string>();
            var deviceNames = Strings(root, "devices", problems);
            for (var i = 0; i < deviceNames.Count; i++)
            {
                try
                {
                    var name = deviceNames[i];
                    var isFile = name.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
                    if (isFile) name = Path.GetFullPath(Path.Combine(folder, name));
                    var resolved = ResolvedDevice.Resolve(name);
                    var id = isFile ? name : resolved.Device.Id;
                    if (devices.Contains(id, StringComparer.Ordinal)) problems.Add($"devices[{i}] '{deviceNames[i]}': listed twice");
                    else devices.Add(id);
                }
                catch (EdgeOptException e)
                {
                    problems.Add($"devices[{i}]: {e.Message}");
                }
            }

            var precisions = new List<CandidatePrecision>();
            var precisionNames = Strings(root, "precisions", problems);
            for (var i = 0; i < precisionNames.Count; i++)
            {
                if (!SweepPrecisions.ByName.TryGetValue(precisionNames[i], out var precision))
                    problems.Add($"precisions[{i}] '{precisionNames[i]}': expected one of {string.Join(", ", SweepPrecisions.ByName.Keys)}");
                else if (precisions.Contains(precision)) problems.Add($"precisions[{i}] '{precisionNames[i]}': listed twice");
                else precisions.Add(precision);
            }

            var constraints = ReadConstraints(root, problems);
            var latencyRuns = CandidateSpec.DefaultLatencyRuns;
            if (root.TryGetProperty("latencyRuns", out var runs))
            {
                if (runs.ValueKind != JsonValueKind.Number || !runs.TryGetInt32(out latencyRuns) || latencyRuns < 1)
                    problems.Add("latencyRuns: expected a whole number of at least 1");
            }

            if (problems.Count > 0)
                throw new UsageException($"{source}: {problems.Count} problem{(problems.Count == 1 ? "" : "s")}, nothing was run: " + string.Join("; ", problems));
            return new SweepSpec { Models = models, Devices = devices, Precisions = precisions, Constraints = constraints, LatencyRuns = latencyRuns };
        }
    }

    // A required, non-empty array of strings; problems name the field and the index.
    private static List<string> Strings(JsonElement root, string field, List<string> problems)
    {
        var values = new List<string>();
        if (!root.TryGetProperty(field, out var array))
        {
            problems.Add($"{field}: missing (expected a list of at least one)");
            return values;
        }
        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() == 0)
        {
            problems.Add($"{field}: expected a list of at least one");
            return values;
        }
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(item.GetString())) values.Add(item.GetString()!);
            else problems.Add($"{field}[{index}]: expected a non-empty string");
            index++;
        }
        return values;
    }

    private static SweepConstraints ReadConstraints(JsonElement root, List<string> problems)
    {
        if (!root.TryGetProperty("constraints", out var element)) return new SweepConstraints();
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add("constraints: expected an object");
            return new SweepConstraints();
        }
        foreach (var property in element.EnumerateObject())
            if (!ConstraintFields.Contains(property.Name, StringComparer.Ordinal))
                problems.Add($"constraints: unknown field '{property.Name}' (expected {string.Join(", ", ConstraintFields)})");
        return new SweepConstraints(Positive("targetLatencyMs"), Positive("maxMemoryMb"), Positive("maxSizeMb"));

        double? Positive(string name)
        {
            if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) && number > 0) return number;
            problems.Add($"constraints.{name}: expected a positive number, got {value.GetRawText()}");
            return null;
        }
    }

    internal static string Show(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
