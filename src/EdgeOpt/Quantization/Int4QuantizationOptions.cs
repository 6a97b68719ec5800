namespace EdgeOpt.Quantization;

/// <summary>How <see cref="Int4WeightQuantizer"/> packs weights.</summary>
public sealed record Int4QuantizationOptions
{
    /// <summary>The defaults: symmetric 4-bit blocks of 32 along K, accuracy level 0 (unset).</summary>
    public static Int4QuantizationOptions Default { get; } = new();

    /// <summary>Weights per block along K, each block with its own scale: a power of two from 16 to 256 (32, 64 and 128 are usual).</summary>
    public int BlockSize { get; init; } = 32;

    /// <summary>
    /// Symmetric blocks use the implicit zero point 8 and store no zero points (ORT's default); asymmetric blocks
    /// store a 4-bit zero point each and fit skewed blocks better.
    /// </summary>
    public bool Symmetric { get; init; } = true;

    /// <summary>
    /// MatMulNBits' <c>accuracy_level</c>: the minimum precision ORT may compute in, 0 (unset) to 4 (int8, fastest
    /// on CPUs with int8 dot products).
    /// </summary>
    public int AccuracyLevel { get; init; }

    /// <summary>Names of MatMul nodes to leave in float. A name that no node in the main graph has is a usage error.</summary>
    public IReadOnlyCollection<string> ExcludedNodes { get; init; } = [];
}
