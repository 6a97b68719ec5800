using EdgeOpt.Quantization.Internal;

namespace EdgeOpt.Quantization;

/// <summary>What <see cref="EmbeddingQuantizer.Quantize"/> changed.</summary>
/// <param name="Quantized">Every replaced Gather with its table sizes (K = rows, N = values a row), in graph order.</param>
/// <param name="Skipped">Gathers over constant float tables left in float, each with the reason.</param>
public sealed record EmbeddingQuantizationReport(IReadOnlyList<QuantizedWeight> Quantized, IReadOnlyList<string> Skipped)
{
    /// <summary>The report of a quantizer run: <see cref="Skipped"/> written from <paramref name="leftInFloat"/>.</summary>
    internal static EmbeddingQuantizationReport Create(IReadOnlyList<QuantizedWeight> quantized, IReadOnlyList<ExcludedNode> leftInFloat) =>
        new(quantized, SkippedNodes.Lines(leftInFloat)) { LeftInFloat = leftInFloat };

    /// <summary>The entries of <see cref="Skipped"/> as they were made: node, operator and reason.</summary>
    internal IReadOnlyList<ExcludedNode> LeftInFloat { get; private init; } = [];

    /// <summary>No table quantized, nothing skipped.</summary>
    public static EmbeddingQuantizationReport Empty { get; } = new([], []);

    /// <summary>Bytes of the float tables that were replaced (a table shared by several Gathers counts once).</summary>
    public long FloatWeightBytes => Quantized.DistinctBy(q => q.WeightName).Sum(q => q.FloatBytes);

    /// <summary>Bytes of their quantized replacements: packed values, scales and zero points.</summary>
    public long QuantizedWeightBytes => Quantized.DistinctBy(q => q.WeightName).Sum(q => q.QuantizedBytes);

    /// <summary><see cref="QuantizedWeightBytes"/> / <see cref="FloatWeightBytes"/> (about 0.26 for 8 bits, 0.16 for 4 bits in blocks of 32).</summary>
    public double SizeRatio => FloatWeightBytes == 0 ? 1 : (double)QuantizedWeightBytes / FloatWeightBytes;
}
