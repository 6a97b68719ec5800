using EdgeOpt.Quantization.Internal;

namespace EdgeOpt.Quantization;

/// <summary>What <see cref="DynamicQuantizer.Quantize"/> changed.</summary>
/// <param name="Quantized">Every replaced node with its weight sizes, in graph order.</param>
/// <param name="Skipped">Candidate nodes left in float, each with the reason (excluded, non-constant bias, ...).</param>
public sealed record DynamicQuantizationReport(IReadOnlyList<QuantizedWeight> Quantized, IReadOnlyList<string> Skipped)
{
    /// <summary>The report of a quantizer run: <see cref="Skipped"/> written from <paramref name="leftInFloat"/>.</summary>
    internal static DynamicQuantizationReport Create(IReadOnlyList<QuantizedWeight> quantized, IReadOnlyList<ExcludedNode> leftInFloat) =>
        new(quantized, SkippedNodes.Lines(leftInFloat)) { LeftInFloat = leftInFloat };

    /// <summary>The entries of <see cref="Skipped"/> as they were made: node, operator and reason.</summary>
    internal IReadOnlyList<ExcludedNode> LeftInFloat { get; private init; } = [];

    /// <summary>Bytes of the float weights (and folded biases) that were replaced.</summary>
    public long FloatWeightBytes => Quantized.Sum(q => q.FloatBytes);

    /// <summary>Bytes of their quantized replacements.</summary>
    public long QuantizedWeightBytes => Quantized.Sum(q => q.QuantizedBytes);

    /// <summary><see cref="QuantizedWeightBytes"/> / <see cref="FloatWeightBytes"/> (about 0.25 for int8).</summary>
    public double SizeRatio => FloatWeightBytes == 0 ? 1 : (double)QuantizedWeightBytes / FloatWeightBytes;
}
