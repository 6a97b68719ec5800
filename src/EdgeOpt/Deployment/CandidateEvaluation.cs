namespace EdgeOpt.Deployment;

/// <summary>
/// Candidate evaluation as a pure function: a <see cref="CandidateSpec"/> in, a <see cref="CandidateResult"/> out, nothing
/// shared between calls. Builds the candidate's model with the existing facades (ModelOptimizer, Quantizer,
/// AccuracySearch), measures it on this host with ONNX Runtime and estimates it on the spec's device.
/// <code>
/// var result = CandidateEvaluation.Evaluate(CandidateSpec.Parse(File.ReadAllText("spec.json")));
/// File.WriteAllText("result.json", result.ToJson());
/// </code>
/// A candidate that cannot be built or measured comes back <see cref="CandidateStatus.Failed"/> with a one-line reason.
/// </summary>
public static class CandidateEvaluation
{
    /// <summary>Evaluates one spec; <paramref name="progress"/> gets one line per step.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was triggered.</exception>
    public static CandidateResult Evaluate(CandidateSpec spec, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var evaluator = new CandidateEvaluator();
        return evaluator.Evaluate(spec, progress, cancellation);
    }

    /// <summary>The JSON form of <see cref="Evaluate"/>: a spec's JSON in, the result's JSON out.</summary>
    /// <exception cref="DataFormatException">The spec JSON is malformed (names the field).</exception>
    /// <exception cref="InvalidOptionsException">The spec is out of range.</exception>
    public static string EvaluateJson(string specJson, CancellationToken cancellation = default) =>
        Evaluate(CandidateSpec.Parse(specJson), null, cancellation).ToJson();
}
