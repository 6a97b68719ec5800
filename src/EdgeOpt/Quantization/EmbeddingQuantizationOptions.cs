namespace EdgeOpt.Quantization;

/// <summary>How <see cref="EmbeddingQuantizer"/> stores embedding tables.</summary>
public sealed record EmbeddingQuantizationOptions
{
    /// <summary>The defaults: symmetric 8-bit rows in blocks of 128 values.</summary>
    public static EmbeddingQuantizationOptions Default { get; } = new();

    /// <summary>Bits per value: 8, or 4 (two values a byte).</summary>
    public int Bits { get; init; } = 8;

    /// <summary>
    /// Values of a row sharing one scale: a power of two from 16 to 256. Smaller blocks follow the values more closely
    /// and cost 4 bytes of scale each (for 4 bits, 32 is usual; for 8 bits, 128).
    /// </summary>
    public int BlockSize { get; init; } = 128;

    /// <summary>Symmetric blocks store no zero points (ORT then uses 2^(bits-1)); asymmetric ones store one per block.</summary>
    public bool Symmetric { get; init; } = true;

    /// <summary>Names of Gather nodes to leave in float. A name that no node in the main graph has is a usage error.</summary>
    public IReadOnlyCollection<string> ExcludedNodes { get; init; } = [];
}
