namespace EdgeOpt.Deployment;

/// <summary>
/// What evaluating one <see cref="CandidateSpec"/> gave. Measured figures were taken on this host with ONNX Runtime;
/// estimated ones are the latency model's for the target device — every figure says which in its name.
/// </summary>
public sealed record CandidateResult
{
    /// <summary>The spec evaluated.</summary>
    public required CandidateSpec Spec { get; init; }

    /// <summary>The spec's content key (SHA-256 of its canonical JSON); the results store's key.</summary>
    public required string Key { get; init; }

    /// <summary>A short human name, e.g. <c>int8-static per-channel, 2 threads</c>.</summary>
    public required string Label { get; init; }

    /// <summary>Evaluated, skipped without evaluating (known to violate a constraint, or out of time), or failed.</summary>
    public required CandidateStatus Status { get; init; }

    /// <summary>Why it was skipped or failed; null when evaluated.</summary>
    public string? Reason { get; init; }

    /// <summary>The serialized model's size in bytes (measured: the file written).</summary>
    public long? SizeBytes { get; init; }

    /// <summary>Top-1 accuracy on the labelled data, in [0, 1] (measured); null without labels.</summary>
    public double? MeasuredAccuracy { get; init; }

    /// <summary>The FP32 baseline's (the model as given) top-1 accuracy on the same samples, in [0, 1] (measured); null without labels.</summary>
    public double? MeasuredBaselineAccuracy { get; init; }

    /// <summary>How many samples the accuracy and fidelity figures are over (measured).</summary>
    public int? EvaluationSamples { get; init; }

    /// <summary>Mean cosine similarity of the outputs to FP32's (measured).</summary>
    public double? MeasuredCosine { get; init; }

    /// <summary>Share of samples whose top-1 agrees with FP32 (measured; classification-shaped outputs only).</summary>
    public double? MeasuredTop1Agreement { get; init; }

    /// <summary>Host latency per batch, p50 and p90, in ms (measured, interleaved with the baseline).</summary>
    public double? MeasuredLatencyP50Ms { get; init; }

    /// <inheritdoc cref="MeasuredLatencyP50Ms"/>
    public double? MeasuredLatencyP90Ms { get; init; }

    /// <summary>The FP32 baseline's host p50 measured in the same interleaved run, in ms.</summary>
    public double? MeasuredBaselineP50Ms { get; init; }

    /// <summary>Peak memory of a session running the candidate on this host, in bytes (measured).</summary>
    public long? MeasuredPeakMemoryBytes { get; init; }

    /// <summary>Latency per batch on the target device and backend, in ms (estimated, host-calibrated).</summary>
    public double? EstimatedLatencyMs { get; init; }

    /// <summary>Peak memory on the target (weights + peak live activations), in bytes (estimated).</summary>
    public long? EstimatedMemoryBytes { get; init; }

    /// <summary>The target's compute unit the estimate is for, e.g. <c>CPU Cortex-X2</c> (estimated).</summary>
    public string? EstimatedUnit { get; init; }

    /// <summary>Whether <see cref="EstimatedMemoryBytes"/> is under the device class's footprint target.</summary>
    public bool? FitsDeviceClass { get; init; }

    /// <summary>Bytes a browser must fetch before the first inference (web targets; estimated).</summary>
    public long? InitialLoadBytes { get; init; }

    /// <summary>Per-layer sensitivity from the accuracy search (mixed precision), most sensitive first.</summary>
    public IReadOnlyList<LayerSensitivity> Sensitivity { get; init; } = [];

    /// <summary>Nodes left in float (mixed precision, or nodes a quantizer could not take).</summary>
    public IReadOnlyList<string> FloatNodes { get; init; } = [];

    /// <summary>What structured pruning did to a pruned candidate (<see cref="CandidateSpec.PruneMacs"/>, measured); null when not pruned.</summary>
    public CandidatePruning? Pruning { get; init; }

    /// <summary>
    /// Energy per inference, battery life, power and temperature on the target in the power mode chosen for it
    /// (estimated); null unless the deployment asked for them (a rate or a battery constraint). Not kept in the results
    /// store: it depends on the rate and limits, and is recomputed for every deployment.
    /// </summary>
    public CandidatePower? Power { get; init; }

    /// <summary>The <c>edgeopt</c> command line that reproduces this candidate's model.</summary>
    public required string Command { get; init; }

    /// <summary>Wall time spent evaluating, in seconds.</summary>
    public double EvaluationSeconds { get; init; }

    /// <summary>The host that measured it (CPU, cores, OS, ONNX Runtime), so cached figures carry their provenance.</summary>
    public string? Host { get; init; }

    /// <summary>What a reader should know about the figures (evaluation overlapping calibration, random inputs, reused calibration, …).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The JSON form (camelCase, enums as names, the spec nested): what <see cref="Parse"/> reads.</summary>
    public string ToJson() => CandidateJson.Write(this);

    /// <summary>Reads the JSON form.</summary>
    /// <exception cref="DataFormatException">Not JSON, an unknown or missing field, a value of the wrong kind (the message names the field).</exception>
    /// <exception cref="InvalidOptionsException">The nested spec is out of range (<see cref="CandidateSpec.Validate"/>).</exception>
    public static CandidateResult Parse(string json, string source = "candidate result")
    {
        ArgumentNullException.ThrowIfNull(json);
        var result = CandidateJson.ReadResult(json, source);
        InvalidOptionsException.ThrowIfAny(result.Spec.Validate());
        return result;
    }
}

/// <summary>What became of a candidate.</summary>
public enum CandidateStatus
{
    /// <summary>Built and measured.</summary>
    Evaluated,

    /// <summary>Not evaluated: its outcome was already known to violate a constraint.</summary>
    Pruned,

    /// <summary>Not evaluated: the time budget ran out.</summary>
    OutOfTime,

    /// <summary>Building or measuring it failed (the reason says how).</summary>
    Failed,
}

/// <summary>How much one layer costs when quantized alone (the accuracy search's sensitivity pass).</summary>
/// <param name="Node">The node (name, or first output name when unnamed).</param>
/// <param name="OpType">Its operator.</param>
/// <param name="Accuracy">The metric with only this node quantized, as a fraction in [0, 1] (top-1, or top-1 agreement with FP32 without labels).</param>
/// <param name="Drop">FP32's metric minus <paramref name="Accuracy"/>, in percentage points.</param>
public sealed record LayerSensitivity(string Node, string OpType, double Accuracy, double Drop);

/// <summary>One constraint checked against a candidate: the limit, the value, and the margin (positive: met by that much).</summary>
public sealed record ConstraintCheck(string Constraint, double Limit, double? Value, string Unit, bool Met, double? Margin, string Provenance);

/// <summary>What structured pruning did to a pruned candidate's model, before its precision was applied (measured).</summary>
/// <param name="TargetMacs">The MAC fraction asked for (<see cref="CandidateSpec.PruneMacs"/>).</param>
/// <param name="MacRatio">MACs after / before, as reached.</param>
/// <param name="ParameterRatio">Parameters after / before.</param>
/// <param name="GroupsPruned">Dependency groups whose channels were cut.</param>
/// <param name="ReconstructionSamples">Calibration samples the least-squares reconstruction ran on; 0 when not reconstructed (no data).</param>
/// <param name="Cosine">The pruned FP32 model's smallest output cosine to the input model's in ONNX Runtime (the pruner's own check).</param>
public sealed record CandidatePruning(double TargetMacs, double MacRatio, double ParameterRatio, int GroupsPruned, int ReconstructionSamples, double Cosine);
