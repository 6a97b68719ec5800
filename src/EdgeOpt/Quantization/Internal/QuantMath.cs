using System.Numerics;

namespace EdgeOpt.Quantization.Internal;

/// <summary>
/// Affine quantization arithmetic shared by the quantizers: <c>real = scale * (q - zeroPoint)</c>.
/// Rounding is half-to-even (as ONNX QuantizeLinear and ORT do), so results match the runtime bit for bit.
/// Ranges always include zero, so an exact 0.0 (padding, ReLU) maps to an integer without error.
/// </summary>
internal static class QuantMath
{
    /// <summary>
    /// Whether <paramref name="size"/> is a block size ORT's block-quantized kernels (MatMulNBits,
    /// GatherBlockQuantized) take: a power of two from 16 to 256.
    /// </summary>
    public static bool IsBlockSize(int size) => size is >= 16 and <= 256 && BitOperations.IsPow2(size);

    /// <summary>Rounds half to even and clamps to <c>[min, max]</c>.</summary>
    public static int RoundClamp(float value, int min, int max)
    {
        var r = MathF.Round(value, MidpointRounding.ToEven);
        return r <= min ? min : r >= max ? max : (int)r;
    }

    /// <summary>
    /// Symmetric signed parameters for <c>[-qmax, qmax]</c> (zero point 0): <c>scale = max|x| / qmax</c>.
    /// An all-zero range gets scale 1 so dequantization stays finite.
    /// </summary>
    public static float SymmetricScale(ReadOnlySpan<float> values, int qmax)
    {
        var absMax = 0f;
        foreach (var v in values) absMax = MathF.Max(absMax, MathF.Abs(v));
        return absMax > 0 ? absMax / qmax : 1f;
    }

    /// <summary>
    /// Asymmetric unsigned parameters for <c>[0, qmax]</c>: the range <c>[min(0, lo), max(0, hi)]</c> spread over
    /// the integers, zero point <c>round(-lo / scale)</c>.
    /// </summary>
    public static (float Scale, int ZeroPoint) AsymmetricParameters(ReadOnlySpan<float> values, int qmax)
    {
        float lo = 0, hi = 0;
        foreach (var v in values)
        {
            lo = MathF.Min(lo, v);
            hi = MathF.Max(hi, v);
        }
        if (hi - lo <= 0) return (1f, 0);
        var scale = (hi - lo) / qmax;
        return (scale, RoundClamp(-lo / scale, 0, qmax));
    }

    /// <summary>
    /// Symmetric 4-bit block scale as ORT's blockwise quantizer picks it: the element of largest magnitude maps to
    /// exactly -8, so <c>scale = thatElement / -8</c> (it may be negative) with the implicit zero point 8.
    /// Using the whole [-8, 7] range this way loses less than <c>max|x| / 7</c> would.
    /// </summary>
    public static float SymmetricInt4Scale(ReadOnlySpan<float> values)
    {
        var extreme = 0f;
        foreach (var v in values)
            if (MathF.Abs(v) > MathF.Abs(extreme)) extreme = v;
        return extreme != 0 ? extreme / -8f : 1f;
    }

    /// <summary><c>clamp(round(value / scale) + zeroPoint, min, max)</c>.</summary>
    public static int Quantize(float value, float scale, int zeroPoint, int min, int max) =>
        RoundClamp(value / scale + zeroPoint, min, max);

    /// <summary>Quantizes to signed 8-bit, symmetric (zero point 0) over <c>[-127, 127]</c> so negation stays exact.</summary>
    public static void QuantizeInt8Symmetric(ReadOnlySpan<float> values, float scale, Span<sbyte> destination)
    {
        for (var i = 0; i < values.Length; i++)
            destination[i] = (sbyte)RoundClamp(values[i] / scale, -127, 127);
    }

    /// <summary>
    /// Packs 4-bit values two per byte, the first in the low nibble (ONNX int4 and MatMulNBits order).
    /// An odd count leaves the last high nibble 0.
    /// </summary>
    public static void PackNibbles(ReadOnlySpan<byte> nibbles, Span<byte> destination)
    {
        destination[..PackedLength(nibbles.Length)].Clear();
        for (var i = 0; i < nibbles.Length; i++)
            destination[i >> 1] |= (byte)((nibbles[i] & 0x0F) << ((i & 1) * 4));
    }

    /// <summary>Bytes needed for <paramref name="count"/> 4-bit values.</summary>
    public static int PackedLength(int count) => (count + 1) / 2;

    /// <summary>Transposes a row-major <c>[rows, cols]</c> matrix into <c>[cols, rows]</c>.</summary>
    public static float[] Transpose(ReadOnlySpan<float> matrix, int rows, int cols)
    {
        var result = new float[matrix.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                result[c * rows + r] = matrix[r * cols + c];
        return result;
    }
}
