namespace EdgeOpt.Quantization;

/// <summary>What <see cref="DynamicQuantizer.Quantize"/> changed.</summary>
/// <param name="Quantized">Every replaced node with its weight sizes, in graph order.</param>
/// <param name="Skipped">Candidate nodes left in float, each with the reason (excluded, non-constant bias, ...).</param>
public sealed record DynamicQuantizationReport(IReadOnlyList<QuantizedWeight> Quantized, IReadOnlyList<string> Skipped)
{
    /// <summary>Bytes of the float weights (and folded biases) that were replaced.</summary>
    public long FloatWeightBytes => Quantized.Sum(q => q.FloatBytes);

    /// <summary>Bytes of their quantized replacements.</summary>
    public long QuantizedWeightBytes => Quantized.Sum(q => q.QuantizedBytes);

    /// <summary><see cref="QuantizedWeightBytes"/> / <see cref="FloatWeightBytes"/> (about 0.25 for int8).</summary>
    public double SizeRatio => FloatWeightBytes == 0 ? 1 : (double)QuantizedWeightBytes / FloatWeightBytes;
}
