using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeOpt.Deployment;

namespace EdgeOpt.Sweep;

/// <summary>
/// What a sweep found: per model and device the candidates, the Pareto front (estimated target latency, size, quality)
/// and the chosen variant. Built from the store alone, so a rerun that evaluates nothing gives the same report.
/// </summary>
public sealed record SweepReport
{
    /// <summary>The constraints the choice was made under.</summary>
    public required SweepConstraints Constraints { get; init; }

    /// <summary>One entry per model, in the sweep file's order.</summary>
    public required IReadOnlyList<SweepModelReport> Models { get; init; }

    /// <summary>Candidates in the manifest with no result in the store (an interrupted sweep).</summary>
    public int Missing { get; init; }

    /// <summary>Whether every model and device has a variant meeting the constraints.</summary>
    public bool ConstraintsMet => Models.All(m => m.Devices.All(d => d.ConstraintsMet));

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>The JSON form (report.json).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>One model across the sweep's devices.</summary>
public sealed record SweepModelReport(string Model, string ModelSha256, IReadOnlyList<SweepDeviceReport> Devices);

/// <summary>One model on one device: every candidate, and the one chosen (null when none was evaluated).</summary>
public sealed record SweepDeviceReport(string Device, SweepRow? Chosen, bool ConstraintsMet, IReadOnlyList<SweepRow> Candidates);

/// <summary>
/// One candidate's figures. Quality is top-1 accuracy with labels, else fidelity to FP32 (top-1 agreement, else output
/// cosine): a sweep has no data yet, so it is fidelity on seeded random inputs.
/// </summary>
public sealed record SweepRow
{
    public required string Model { get; init; }
    public required string Device { get; init; }
    public required string Precision { get; init; }
    public required string Key { get; init; }
    public required CandidateStatus Status { get; init; }
    public string? Reason { get; init; }
    public long? SizeBytes { get; init; }
    public double? EstimatedLatencyMs { get; init; }
    public long? EstimatedMemoryBytes { get; init; }
    public double? MeasuredLatencyP50Ms { get; init; }
    public double? Quality { get; init; }
    public string? QualityMetric { get; init; }
    public bool MeetsConstraints { get; init; }
    public bool OnParetoFront { get; init; }
    public bool Chosen { get; init; }
    /// <summary>The host that measured it (the results store's fingerprint of CPU, cores, OS, ONNX Runtime).</summary>
    public string? Host { get; init; }
    public required string ToolVersion { get; init; }
    public double EvaluationSeconds { get; init; }
}
