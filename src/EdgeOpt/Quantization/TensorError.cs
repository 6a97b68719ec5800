namespace EdgeOpt.Quantization;

/// <summary>
/// How much quantizing one tensor of a <see cref="QuantizationPlan"/> costs, measured by running the float and the
/// quantized model (see <see cref="QuantizationDebugger"/>). SQNR is <c>10·log10(Σx² / Σ(x−y)²)</c> in decibels,
/// positive infinity when there is no error at all.
/// </summary>
/// <param name="Name">The tensor name in the float model (the plan's name).</param>
/// <param name="Kind"><c>activation</c>, <c>weight</c> (a constant quantized to 8 bits) or <c>bias</c> (int32).</param>
/// <param name="Precision">The integer type the plan gives it.</param>
/// <param name="Scales">The plan's scale(s): one, or one per channel.</param>
/// <param name="ZeroPoints">The plan's zero point(s).</param>
/// <param name="RangeMin">Lower end of the calibrated range (activations), or null.</param>
/// <param name="RangeMax">Upper end of the calibrated range (activations), or null.</param>
/// <param name="ObservedMin">Smallest float value seen (over all samples for activations).</param>
/// <param name="ObservedMax">Largest float value seen.</param>
/// <param name="ClippedFraction">
/// Share of float values outside the range the parameters cover: the plan's <c>[RangeMin, RangeMax]</c> for
/// activations, the representable <c>scale·(qmin − zp) .. scale·(qmax − zp)</c> for constants.
/// </param>
/// <param name="SqnrDb">Local error: the float values against their own quantize-saturate-dequantize.</param>
/// <param name="AccumulatedSqnrDb">
/// Error carried from everything upstream: the float model's activation against the quantized model's
/// <c>DequantizeLinear</c> output that replaced it; null for constants and where the quantized model has no such node.
/// </param>
public sealed record TensorError(
    string Name, string Kind, QuantizedPrecision Precision, IReadOnlyList<float> Scales, IReadOnlyList<int> ZeroPoints,
    float? RangeMin, float? RangeMax, float ObservedMin, float ObservedMax, double ClippedFraction, double SqnrDb,
    double? AccumulatedSqnrDb)
{
    /// <summary>The value of <see cref="Kind"/> for intermediate (and graph input) tensors.</summary>
    public const string Activation = "activation";

    /// <summary>The value of <see cref="Kind"/> for quantized constants other than biases.</summary>
    public const string Weight = "weight";

    /// <summary>The value of <see cref="Kind"/> for int32 biases.</summary>
    public const string Bias = "bias";
}
