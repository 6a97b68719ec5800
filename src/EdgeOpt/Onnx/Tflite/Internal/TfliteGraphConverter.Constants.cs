using System.Runtime.InteropServices;
using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Onnx.Tflite.Internal;

internal sealed partial class TfliteGraphConverter
{
    private readonly Dictionary<string, Value> _constantViews = new(StringComparer.Ordinal);
    private readonly Dictionary<int, byte[]> _densified = [];
    private readonly Dictionary<int, int> _aliases = [];

    /// <summary>Makes <paramref name="tensor"/> stand for the constant <paramref name="source"/> (DENSIFY, DEQUANTIZE of weights).</summary>
    public void AliasConstant(int tensor, int source) => _aliases[tensor] = Resolve(source);

    /// <summary>The constant tensor a tensor stands for (itself unless aliased).</summary>
    public int Resolve(int tensor) => tensor >= 0 && _aliases.TryGetValue(tensor, out var source) ? source : tensor;

    /// <summary>
    /// A constant tensor for computation: reshaped to <paramref name="prefixOnes"/> more leading 1-dimensions, permuted by
    /// <paramref name="perm"/>, then dequantized (int8/int16/int32 with scales: DequantizeLinear with the axis moved
    /// along) or widened (float16 folded to float32, or kept with a Cast when the options say so).
    /// </summary>
    public Value ConstantFloat(int tensor, int[]? perm, int prefixOnes)
    {
        tensor = Resolve(tensor);
        var t = Tensor(tensor);
        var key = $"f{tensor}:{Key(perm)}:{prefixOnes}";
        if (_constantViews.TryGetValue(key, out var cached)) return cached;
        Value result;
        if (t.Quantization is not null && t.Type == TfliteTensorType.INT64)
        {
            // 16x8 models keep int64 biases, which DequantizeLinear does not take: dequantized here instead.
            var (bytes, dims) = Arranged(tensor, perm, prefixOnes);
            var values = MemoryMarshal.Cast<byte, long>(bytes);
            var q = t.Quantization;
            var axisSize = q.PerAxis ? dims[perm is null ? q.Axis + prefixOnes : Array.IndexOf(perm, q.Axis + prefixOnes)] : 1;
            var axis = q.PerAxis ? (perm is null ? q.Axis + prefixOnes : Array.IndexOf(perm, q.Axis + prefixOnes)) : 0;
            long inner = 1;
            for (var i = axis + 1; i < dims.Length; i++) inner *= dims[i];
            var floats = new float[values.Length];
            for (var i = 0; i < floats.Length; i++)
            {
                var c = q.PerAxis ? (int)(i / inner % axisSize) : 0;
                floats[i] = (float)((values[i] - q.ZeroPoint[c]) * (double)q.Scale[c]);
            }
            result = _builder.Initializer(EdgeOpt.Onnx.Tensor.Create(Unique(t.Name), floats.AsSpan(), dims));
        }
        else if (t.Quantization is not null && t.Type is TfliteTensorType.INT8 or TfliteTensorType.UINT8 or TfliteTensorType.INT16 or TfliteTensorType.INT32)
        {
            var raw = ConstantRaw(tensor, perm, prefixOnes);
            var (scale, zeroPoint) = QuantParameters(t, prefixOnes, perm, out var axis);
            result = Emit("DequantizeLinear", [raw, scale, zeroPoint], axis is { } a ? [("axis", (object)(long)a)] : [], Unique(t.Name + "_dequantized"));
        }
        else if (t.Type == TfliteTensorType.FLOAT16)
        {
            if (_options.KeepFloat16Weights)
                result = Emit("Cast", [ConstantRaw(tensor, perm, prefixOnes)], [("to", (long)DataType.Float)], Unique(t.Name + "_float"));
            else
            {
                var (bytes, dims) = Arranged(tensor, perm, prefixOnes);
                var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                var floats = new float[halves.Length];
                for (var i = 0; i < floats.Length; i++) floats[i] = (float)halves[i];
                result = _builder.Initializer(EdgeOpt.Onnx.Tensor.Create(Unique(t.Name), floats.AsSpan(), dims));
            }
        }
        else result = ConstantRaw(tensor, perm, prefixOnes);
        return _constantViews[key] = result;
    }

    /// <summary>A constant in its own TFLite type, rearranged like <see cref="ConstantFloat"/>.</summary>
    public Value ConstantRaw(int tensor, int[]? perm, int prefixOnes)
    {
        tensor = Resolve(tensor);
        var key = $"r{tensor}:{Key(perm)}:{prefixOnes}";
        if (_constantViews.TryGetValue(key, out var cached)) return cached;
        var t = Tensor(tensor);
        var (bytes, dims) = Arranged(tensor, perm, prefixOnes);
        var value = _builder.Initializer(EdgeOpt.Onnx.Tensor.FromRaw(Unique(t.Name), OnnxDataType(t), dims, bytes));
        return _constantViews[key] = value;
    }

    /// <summary>A constant operand of a broadcasting operator whose other operand is rank-4 in <paramref name="layout"/>.</summary>
    public Value ConstantAligned(int tensor, int rank, Layout layout)
    {
        var own = Rank(tensor);
        if (layout == Layout.Native || rank != 4 || own > 4) return ConstantFloat(tensor, null, 0);
        return ConstantFloat(tensor, ToChannelsFirst, 4 - own);
    }

    private static string Key(int[]? perm) => perm is null ? "-" : string.Join(",", perm);

    /// <summary>The dense payload with <paramref name="prefixOnes"/> leading 1-dims, permuted.</summary>
    private (byte[] Bytes, long[] Dims) Arranged(int tensor, int[]? perm, int prefixOnes)
    {
        var t = Tensor(tensor);
        var size = TfliteReader.ElementSize(t.Type);
        if (size == 0) Unsupported($"constant '{t.Name}' has type {t.Type}, which cannot be converted");
        var bytes = DenseBytes(tensor);
        var dims = Enumerable.Repeat(1, prefixOnes).Concat(t.Shape).ToArray();
        if (perm is null) return (bytes, dims.Select(d => (long)d).ToArray());
        if (perm.Length != dims.Length) Unsupported($"constant '{t.Name}' of rank {dims.Length} cannot take a rank-{perm.Length} permutation");
        return (Permute(bytes, dims, perm, size), perm.Select(p => (long)dims[p]).ToArray());
    }

    /// <summary>A constant's bytes, densified first when the tensor is sparse (DENSIFY's input).</summary>
    public byte[] DenseBytes(int tensor)
    {
        tensor = Resolve(tensor);
        var t = Tensor(tensor);
        if (t.Sparsity is null) return _model.Buffers[t.Buffer].ToArray();
        if (_densified.TryGetValue(tensor, out var dense)) return dense;
        return _densified[tensor] = SparseDensifier.Densify(t, _model.Buffers[t.Buffer].Span, TfliteReader.ElementSize(t.Type), _fileName);
    }

    /// <summary>Row-major transpose of an element array: output dim i is input dim perm[i].</summary>
    internal static byte[] Permute(byte[] source, int[] dims, int[] perm, int elementSize)
    {
        var rank = dims.Length;
        var outDims = perm.Select(p => dims[p]).ToArray();
        var inStrides = new long[rank];
        long stride = 1;
        for (var i = rank - 1; i >= 0; i--)
        {
            inStrides[i] = stride;
            stride *= dims[i];
        }
        var result = new byte[source.Length];
        var index = new int[rank];
        var count = stride;
        for (long o = 0; o < count; o++)
        {
            long offset = 0;
            for (var i = 0; i < rank; i++) offset += index[i] * inStrides[perm[i]];
            Buffer.BlockCopy(source, (int)(offset * elementSize), result, (int)(o * elementSize), elementSize);
            for (var i = rank - 1; i >= 0; i--)
            {
                if (++index[i] < outDims[i]) break;
                index[i] = 0;
            }
        }
        return result;
    }

    /// <summary>A constant integer tensor's values (shapes, axes, paddings), or null when it is computed at run time.</summary>
    public long[]? ConstantIntegers(int tensor)
    {
        if (tensor < 0 || !IsConstant(tensor)) return null;
        tensor = Resolve(tensor);
        var t = Tensor(tensor);
        var bytes = DenseBytes(tensor);
        return t.Type switch
        {
            TfliteTensorType.INT32 => MemoryMarshal.Cast<byte, int>(bytes).ToArray().Select(v => (long)v).ToArray(),
            TfliteTensorType.INT64 => MemoryMarshal.Cast<byte, long>(bytes).ToArray(),
            TfliteTensorType.INT16 => MemoryMarshal.Cast<byte, short>(bytes).ToArray().Select(v => (long)v).ToArray(),
            TfliteTensorType.INT8 => MemoryMarshal.Cast<byte, sbyte>(bytes).ToArray().Select(v => (long)v).ToArray(),
            TfliteTensorType.UINT8 => bytes.Select(v => (long)v).ToArray(),
            _ => null,
        };
    }

    /// <summary>Constant integers that an operator cannot do without (e.g. a Pad's paddings).</summary>
    public long[] RequireIntegers(int tensor, string what) =>
        ConstantIntegers(tensor) ?? Unsupported<long[]>($"{what} (tensor '{(tensor >= 0 ? Tensor(tensor).Name : "none")}') must be a constant integer tensor");

    /// <summary>A constant float tensor's values, dequantized.</summary>
    public float[]? ConstantFloats(int tensor)
    {
        if (tensor < 0 || !IsConstant(tensor)) return null;
        tensor = Resolve(tensor);
        var t = Tensor(tensor);
        var bytes = DenseBytes(tensor);
        switch (t.Type)
        {
            case TfliteTensorType.FLOAT32:
                return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            case TfliteTensorType.FLOAT16:
                return MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h).ToArray();
            default:
                if (ConstantIntegers(tensor) is not { } ints) return null;
                if (t.Quantization is { PerAxis: false } q) return ints.Select(v => (float)((v - q.ZeroPoint[0]) * (double)q.Scale[0])).ToArray();
                return t.Quantization is null ? ints.Select(v => (float)v).ToArray() : null;
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public T Unsupported<T>(string what) => ThrowHelper.Unsupported<T>($"{Where}: {what}");
}
