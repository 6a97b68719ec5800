namespace EdgeOpt.Quantization;

/// <summary>Where a <see cref="Quantizer"/> run is: a stage and, while calibrating, samples done of the total.</summary>
/// <param name="Stage">What is happening (<c>optimizing</c>, <c>calibrating</c>, <c>quantizing</c>).</param>
/// <param name="Done">Units done in this stage.</param>
/// <param name="Total">Units in this stage (0 when unknown).</param>
public readonly record struct QuantizationProgress(string Stage, int Done, int Total);
