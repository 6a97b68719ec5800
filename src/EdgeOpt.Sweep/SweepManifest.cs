using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeOpt.Deployment;

namespace EdgeOpt.Sweep;

/// <summary>
/// What a sweep folder holds (<c>sweep.json</c> next to <c>results.db</c>): the constraints and every candidate by
/// content key, written before the first evaluation so <c>edgeopt sweep report</c> can report a sweep, finished or not,
/// without the models at hand.
/// </summary>
public sealed record SweepManifest
{
    /// <summary>The manifest's file name in a sweep folder.</summary>
    public const string FileName = "sweep.json";

    /// <summary>The results store's file name in a sweep folder.</summary>
    public const string StoreName = "results.db";

    /// <summary>The constraints the chosen variants must meet.</summary>
    public required SweepConstraints Constraints { get; init; }

    /// <summary>Every candidate, model by model, device by device, precision by precision.</summary>
    public required IReadOnlyList<SweepCandidate> Candidates { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        RespectNullableAnnotations = true,
    };

    /// <summary>The JSON form.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads <c>sweep.json</c> of <paramref name="folder"/>.</summary>
    /// <exception cref="UsageException">Not a sweep folder, or its manifest is unreadable.</exception>
    public static SweepManifest Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path) || !File.Exists(Path.Combine(folder, StoreName)))
            throw new UsageException($"{folder} is not a sweep folder (no {FileName} and {StoreName}): give the -o folder of an edgeopt sweep run");
        try
        {
            return JsonSerializer.Deserialize<SweepManifest>(File.ReadAllText(path), Json)
                ?? throw new UsageException($"{path}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path} is not a sweep manifest: {e.Message}", e);
        }
    }
}

/// <summary>One candidate of a sweep: which model (path and hash), device and precision, and its content key.</summary>
public sealed record SweepCandidate(string Model, string ModelSha256, string Device, CandidatePrecision Precision, string Key);
