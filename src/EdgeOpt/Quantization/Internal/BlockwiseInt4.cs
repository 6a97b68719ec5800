namespace EdgeOpt.Quantization.Internal;

/// <summary>
/// Block-wise 4-bit quantization of a row-major float <c>[K, N]</c> matrix in MatMulNBits' layout: column-major
/// blocks of <c>blockSize</c> along K (the last one zero-padded), packed two per byte, low nibble first.
/// </summary>
internal static class BlockwiseInt4
{
    /// <summary>The packed result: <see cref="Packed"/> is <c>[N, BlocksPerColumn, blockSize / 2]</c>, <see cref="Scales"/> <c>[N * BlocksPerColumn]</c>.</summary>
    public sealed record Result(byte[] Packed, float[] Scales, byte[]? ZeroPoints, int BlocksPerColumn);

    /// <summary>Quantizes symmetric (implicit zero point 8, no zero points) or asymmetric (a zero point per block).</summary>
    public static Result Quantize(ReadOnlySpan<float> matrix, int k, int n, int blockSize, bool symmetric)
    {
        var blocksPerColumn = (k + blockSize - 1) / blockSize;
        var blobSize = blockSize / 2;
        var zpBytesPerColumn = QuantMath.PackedLength(blocksPerColumn);
        var packed = new byte[(long)n * blocksPerColumn * blobSize];
        var scales = new float[n * blocksPerColumn];
        var zeroPointNibbles = symmetric ? null : new byte[blocksPerColumn];
        var zeroPoints = symmetric ? null : new byte[n * zpBytesPerColumn];
        var block = new float[blockSize];
        var nibbles = new byte[blockSize];

        for (var col = 0; col < n; col++)
        {
            for (var b = 0; b < blocksPerColumn; b++)
            {
                // Gather the block; rows past K are the zero padding.
                var start = b * blockSize;
                for (var i = 0; i < blockSize; i++)
                    block[i] = start + i < k ? matrix[(start + i) * n + col] : 0f;

                float scale;
                int zeroPoint;
                if (symmetric)
                {
                    scale = QuantMath.SymmetricInt4Scale(block);
                    zeroPoint = 8;
                }
                else
                {
                    (scale, zeroPoint) = QuantMath.AsymmetricParameters(block, 15);
                    zeroPointNibbles![b] = (byte)zeroPoint;
                }
                for (var i = 0; i < blockSize; i++)
                    nibbles[i] = (byte)QuantMath.Quantize(block[i], scale, zeroPoint, 0, 15);

                var index = col * blocksPerColumn + b;
                scales[index] = scale;
                QuantMath.PackNibbles(nibbles, packed.AsSpan(index * blobSize, blobSize));
            }
            if (zeroPoints is not null)
                QuantMath.PackNibbles(zeroPointNibbles, zeroPoints.AsSpan(col * zpBytesPerColumn, zpBytesPerColumn));
        }
        return new Result(packed, scales, zeroPoints, blocksPerColumn);
    }
}
