using EdgeOpt.Onnx;
using EdgeOpt.Quantization.Internal;

namespace EdgeOpt.Quantization.Qdq;

/// <summary>Scale and zero-point choices of the QDQ quantizer, and the quantization of constant tensors by a plan entry.</summary>
internal static class QdqMath
{
    public static (long Min, long Max) IntegerRange(QuantizedPrecision precision) => precision switch
    {
        QuantizedPrecision.UInt8 => (byte.MinValue, byte.MaxValue),
        QuantizedPrecision.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        QuantizedPrecision.Int32 => (int.MinValue, int.MaxValue),
        _ => (0, 0),
    };

    /// <summary>
    /// Activation parameters for <paramref name="range"/> (widened to include zero). Asymmetric: the range spread over
    /// all 256 codes, so a range starting at 0 gets the type's lowest code as zero point (what makes Relu folding exact).
    /// Symmetric: <c>max|x|</c> over 127 steps each side, zero point 0 (int8) or 128 (uint8).
    /// </summary>
    public static (float Scale, int ZeroPoint) Activation(TensorRange range, QuantizedPrecision type, bool symmetric)
    {
        var r = range.WithZero();
        if (symmetric)
        {
            var absMax = MathF.Max(-r.Min, r.Max);
            var scale = absMax > 0 ? absMax / 127f : 1f;
            return (scale, type == QuantizedPrecision.UInt8 ? 128 : 0);
        }
        var (s, zp) = QuantMath.AsymmetricParameters([r.Min, r.Max], 255);
        return (s, type == QuantizedPrecision.UInt8 ? zp : zp - 128);
    }

    /// <summary>Symmetric int8 weight scales ([-127, 127]): one, or one per slice along <paramref name="axis"/>.</summary>
    public static float[] WeightScales(float[] values, IReadOnlyList<long> dims, int? axis)
    {
        if (axis is not { } a) return [QuantMath.SymmetricScale(values, 127)];
        var (channels, inner) = Slicing(dims, a);
        var absMax = new float[channels];
        for (var i = 0; i < values.Length; i++)
        {
            var c = (int)(i / inner % channels);
            absMax[c] = MathF.Max(absMax[c], MathF.Abs(values[i]));
        }
        return absMax.Select(m => m > 0 ? m / 127f : 1f).ToArray();
    }

    /// <summary>The integer tensor for <paramref name="source"/> under <paramref name="entry"/>, with the same name and dims.</summary>
    public static Tensor Quantize(Tensor source, TensorQuantization entry)
    {
        var values = source.ToSingleArray();
        var dims = source.Dims.ToArray();
        var (channels, inner) = entry.Axis is { } a ? Slicing(dims, a) : (1, values.Length);
        var (min, max) = IntegerRange(entry.Precision);
        var q = new long[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var c = entry.Axis is null ? 0 : (int)(i / inner % channels);
            // Double keeps int32 bias codes exact; half-to-even matches QuantizeLinear.
            var code = Math.Round((double)values[i] / entry.Scales[c], MidpointRounding.ToEven) + entry.ZeroPoints[c];
            q[i] = (long)Math.Clamp(code, min, max);
        }
        return entry.Precision switch
        {
            QuantizedPrecision.UInt8 => Tensor.Create<byte>(source.Name, q.Select(v => (byte)v).ToArray(), dims),
            QuantizedPrecision.Int8 => Tensor.Create<sbyte>(source.Name, q.Select(v => (sbyte)v).ToArray(), dims),
            _ => Tensor.Create<int>(source.Name, q.Select(v => (int)v).ToArray(), dims),
        };
    }

    /// <summary>The zero-point tensor (its element type tells DequantizeLinear/QuantizeLinear the integer type).</summary>
    public static Tensor ZeroPoints(string name, TensorQuantization entry)
    {
        var zp = entry.ZeroPoints;
        long[] dims = entry.Axis is null ? [] : [zp.Count];
        return entry.Precision switch
        {
            QuantizedPrecision.UInt8 => Tensor.Create<byte>(name, zp.Select(v => (byte)v).ToArray(), dims),
            QuantizedPrecision.Int8 => Tensor.Create<sbyte>(name, zp.Select(v => (sbyte)v).ToArray(), dims),
            _ => Tensor.Create<int>(name, zp.ToArray(), dims),
        };
    }

    public static Tensor Scales(string name, TensorQuantization entry) =>
        Tensor.Create<float>(name, entry.Scales.ToArray(), entry.Axis is null ? [] : [entry.Scales.Count]);

    /// <summary>Slices along <paramref name="axis"/>: how many, and the element stride between them.</summary>
    public static (long Channels, long Inner) Slicing(IReadOnlyList<long> dims, int axis)
    {
        long inner = 1;
        for (var d = axis + 1; d < dims.Count; d++) inner *= dims[d];
        return (dims[axis], Math.Max(inner, 1));
    }
}
