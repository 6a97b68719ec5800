using EdgeOpt.Quantization.Internal;

namespace EdgeOpt.Quantization;

/// <summary>What <see cref="Int4WeightQuantizer.Quantize"/> changed.</summary>
/// <param name="Quantized">Every replaced MatMul with its weight sizes, in graph order.</param>
/// <param name="Skipped">MatMuls with constant weights left in float, each with the reason.</param>
public sealed record Int4QuantizationReport(IReadOnlyList<QuantizedWeight> Quantized, IReadOnlyList<string> Skipped)
{
    /// <summary>The report of a quantizer run: <see cref="Skipped"/> written from <paramref name="leftInFloat"/>.</summary>
    internal static Int4QuantizationReport Create(IReadOnlyList<QuantizedWeight> quantized, IReadOnlyList<ExcludedNode> leftInFloat) =>
        new(quantized, SkippedNodes.Lines(leftInFloat)) { LeftInFloat = leftInFloat };

    /// <summary>The entries of <see cref="Skipped"/> as they were made: node, operator and reason.</summary>
    internal IReadOnlyList<ExcludedNode> LeftInFloat { get; private init; } = [];

    /// <summary>Bytes of the float weights that were replaced.</summary>
    public long FloatWeightBytes => Quantized.Sum(q => q.FloatBytes);

    /// <summary>Bytes of packed weights, scales and zero points that replaced them.</summary>
    public long QuantizedWeightBytes => Quantized.Sum(q => q.QuantizedBytes);

    /// <summary><see cref="QuantizedWeightBytes"/> / <see cref="FloatWeightBytes"/> (about 0.16 for symmetric blocks of 32).</summary>
    public double SizeRatio => FloatWeightBytes == 0 ? 1 : (double)QuantizedWeightBytes / FloatWeightBytes;
}
