namespace EdgeOpt.Runtime;

/// <summary>
/// What <see cref="ModelEvaluator.Evaluate(EdgeOpt.Onnx.Model, EdgeOpt.Data.ISampleSource, EvaluationOptions?, IProgress{int}?, CancellationToken)"/> measured. Accuracies are fractions in [0, 1]; latencies are the mean
/// ONNX Runtime <c>Run</c> time of one sample (after one untimed warm-up run), measured on <see cref="MeasuredOn"/>.
/// </summary>
/// <param name="Samples">Samples evaluated.</param>
/// <param name="Top1">Fraction whose label has the highest score; null without labels.</param>
/// <param name="Top5">Fraction whose label is among the five highest scores; null without labels or with five classes or fewer.</param>
/// <param name="ReferenceTop1">The reference model's <see cref="Top1"/>; null without labels or reference.</param>
/// <param name="ReferenceTop5">The reference model's <see cref="Top5"/>.</param>
/// <param name="Fidelity">One entry per model output, compared with the reference's output of the same name; empty without reference.</param>
/// <param name="MeanLatencyMs">The model's mean run time per sample, in milliseconds.</param>
/// <param name="ReferenceMeanLatencyMs">The reference's mean run time per sample; null without reference.</param>
/// <param name="MeasuredOn">The host the latencies were measured on.</param>
public sealed record EvaluationResult(
    int Samples,
    double? Top1,
    double? Top5,
    double? ReferenceTop1,
    double? ReferenceTop5,
    IReadOnlyList<OutputFidelity> Fidelity,
    double MeanLatencyMs,
    double? ReferenceMeanLatencyMs,
    string MeasuredOn);
