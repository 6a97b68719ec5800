using System.Runtime.InteropServices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>
/// The one way EdgeOpt synthesises model inputs (random sample sources, equivalence checks, benchmarks without data,
/// the runtime shape probe), reproducible from a seed. Elements by type:
/// <list type="bullet">
/// <item>float, double, float16, bfloat16: standard normal (mean 0, standard deviation 1; Box-Muller);</item>
/// <item>bool: true or false with probability 1/2;</item>
/// <item>uint8: uniform over 0..255; int8: uniform over -128..127 (image-like and quantized inputs);</item>
/// <item>every other integer type (int16..int64, uint16..uint64, int4/uint4, int2/uint2): zero, since such inputs are
/// usually indices or shapes, where zero is always valid;</item>
/// <item>string: empty strings; float8, float4 and complex types: all-zero bits.</item>
/// </list>
/// One generator seeded with the seed fills the non-initializer graph inputs in order. Free (symbolic or unknown) dims
/// take the size given in <c>dims</c> by symbol name, else 1.
/// </summary>
public static class InputGenerator
{
    /// <summary>The distribution in a few words, for reports that say where their inputs came from.</summary>
    public const string Distribution = "floats standard normal, bool and 8-bit integers uniform, other integers zero";

    public static Dictionary<string, Tensor> Random(Model model, int seed, IReadOnlyDictionary<string, long>? dims = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Generate(model, seed, (_, shape) =>
            shape?.Select(d => d.Value ?? (d.Symbol is { } s && dims?.TryGetValue(s, out var v) == true ? v : 1)).ToArray());
    }

    /// <summary>
    /// Generates every non-initializer input with the sizes <paramref name="sizesOf"/> gives for it and its declared shape
    /// (null when the rank is unknown); a null answer means the input cannot be sized.
    /// </summary>
    internal static Dictionary<string, Tensor> Generate(Model model, int seed, Func<Value, TensorShape?, long[]?> sizesOf)
    {
        var rng = new Random(seed);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var input in model.Graph.Inputs)
        {
            if (input.IsInitializer) continue;
            if (input.Type is not TensorType type || sizesOf(input, type.Shape) is not { } sizes)
                throw new UnsupportedOperatorException($"input '{input.Name}' has no tensor type with a known rank; give inputs explicitly");
            result[input.Name] = Create(input.Name, type.ElementType, sizes, rng);
        }
        return result;
    }

    private static Tensor Create(string name, DataType elementType, long[] sizes, Random rng)
    {
        var count = (int)ElementCount(name, sizes);
        return elementType switch
        {
            DataType.Float => Tensor.Create(name, Normal(rng, count).ToArray(), sizes),
            DataType.Double => Tensor.Create(name, Normal(rng, count).Select(f => (double)f).ToArray(), sizes),
            DataType.Float16 => Tensor.Create(name, Normal(rng, count).Select(f => (Half)f).ToArray(), sizes),
            DataType.BFloat16 => Tensor.FromRaw(name, DataType.BFloat16, sizes,
                MemoryMarshal.AsBytes<ushort>(Normal(rng, count).Select(ToBFloat16).ToArray()).ToArray()),
            DataType.Bool => Tensor.Create(name, Enumerable.Range(0, count).Select(_ => rng.Next(2) == 1).ToArray(), sizes),
            DataType.UInt8 => Tensor.Create(name, Enumerable.Range(0, count).Select(_ => (byte)rng.Next(256)).ToArray(), sizes),
            DataType.Int8 => Tensor.Create(name, Enumerable.Range(0, count).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray(), sizes),
            DataType.String => Tensor.FromStrings(name, sizes, Enumerable.Repeat(string.Empty, count)),
            var other when other.IsFixedSize() => Tensor.FromRaw(name, other, sizes, new byte[other.StorageBytes(count)]),
            var other => throw new UnsupportedOperatorException($"input '{name}': cannot generate {other.OnnxName()} data"),
        };
    }

    /// <summary>The product of <paramref name="sizes"/>, refused (before anything is allocated) past <see cref="InputLimits.MaxGeneratedInputElements"/>.</summary>
    private static long ElementCount(string name, long[] sizes)
    {
        long count = 1;
        foreach (var size in sizes)
        {
            if (size < 0) ThrowHelper.Usage($"input '{FileText.Escape(name)}': cannot generate data of negative size {size}");
            count = size == 0 || count <= InputLimits.MaxGeneratedInputElements / size ? count * size : InputLimits.MaxGeneratedInputElements + 1;
        }
        if (count > InputLimits.MaxGeneratedInputElements)
            ThrowHelper.Usage($"input '{FileText.Escape(name)}' of size [{string.Join(",", sizes)}] would need over {InputLimits.MaxGeneratedInputElements} generated elements; the limit is {InputLimits.MaxGeneratedInputElements} (InputLimits.MaxGeneratedInputElements); fix smaller input shapes (e.g. benchmark --shape) or give data of your own");
        return count;
    }

    private static IEnumerable<float> Normal(Random rng, int count)
    {
        for (var i = 0; i < count; i++)
        {
            // Box-Muller: good enough for test data, and reproducible from the seed.
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            yield return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }

    // Round to nearest even on the upper 16 bits of the float32 (normal values are never NaN).
    private static ushort ToBFloat16(float f)
    {
        var bits = BitConverter.SingleToUInt32Bits(f);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }
}
