namespace EdgeOpt.Deployment;

/// <summary>
/// The outcome of <c>EdgeDeployer.Deploy</c>: every candidate considered, the Pareto front, the choice and why,
/// and where its files were written. Serialized as the output folder's <c>report.json</c>.
/// </summary>
public sealed record DeploymentResult
{
    /// <summary>The target as resolved (catalogue id or custom device, and which figures were borrowed).</summary>
    public required DeploymentTarget Target { get; init; }

    /// <summary>The constraints searched under.</summary>
    public required OptimizationConfig Config { get; init; }

    /// <summary>"accuracy" (top-1 on labels) or "fidelity" (cosine / top-1 agreement to FP32, no labels).</summary>
    public required string AccuracyMetric { get; init; }

    /// <summary>Every candidate, in the order considered (pruned, out-of-time and failed ones included).</summary>
    public required IReadOnlyList<CandidateResult> Candidates { get; init; }

    /// <summary>Keys of the Pareto-optimal candidates over (accuracy, target latency, size, memory).</summary>
    public required IReadOnlyList<string> ParetoFront { get; init; }

    /// <summary>Key of the chosen candidate: the fastest on the target among those meeting every constraint (ties: smallest);
    /// when none meets them, the closest.</summary>
    public required string ChosenKey { get; init; }

    /// <summary>True when the chosen candidate meets every constraint.</summary>
    public required bool ConstraintsMet { get; init; }

    /// <summary>Each constraint checked against the chosen candidate, with its margin.</summary>
    public required IReadOnlyList<ConstraintCheck> Checks { get; init; }

    /// <summary>Tool version, input hash, host, time, the command run.</summary>
    public required DeploymentProvenance Provenance { get; init; }

    /// <summary>Files written to the output folder (relative paths).</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>Notes a reader needs (fidelity instead of accuracy, borrowed device figures, budget exhausted, …).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Key of the FP32 baseline every accuracy and size figure is relative to.</summary>
    public string? BaselineKey { get; init; }

    /// <summary>The input model file's size in bytes (what <see cref="OptimizationConfig.CompressionRatio"/> divides by).</summary>
    public long OriginalSizeBytes { get; init; }

    /// <summary>The marker that makes <c>report.json</c> an EdgeOpt deployment (an output folder EdgeOpt may replace).</summary>
    public string Format => FormatName;

    /// <summary>The value of <see cref="Format"/>.</summary>
    public const string FormatName = "edgeopt-deployment";

    /// <summary>The chosen candidate.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public CandidateResult Chosen => Candidates.First(c => c.Key == ChosenKey);

    /// <summary>The FP32 baseline, when it is among the candidates.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public CandidateResult? Baseline => Candidates.FirstOrDefault(c => c.Key == BaselineKey);

    /// <summary>The report as indented JSON (camelCase, enums as names): what <c>report.json</c> holds.</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, DeploymentReportJsonContext.Default.DeploymentResult);
}

/// <summary>The device a deployment targets, as resolved.</summary>
public sealed record DeploymentTarget(string Id, string Name, string Platform, string DeviceClass, string? BorrowedFrom, IReadOnlyList<string> Borrowed);

/// <summary>Where a deployment's figures came from.</summary>
public sealed record DeploymentProvenance(string ToolVersion, string ModelPath, string ModelSha256, string Host, DateTimeOffset Started,
    double ElapsedSeconds, string Command, int CachedCandidates);
