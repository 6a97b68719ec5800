using EdgeOpt.Onnx;

namespace EdgeOpt.Runtime;

/// <summary>
/// Makes reproducible inputs from a model's input metadata: floats from a standard normal distribution, integers
/// zero (they are usually indices or shapes), booleans random. Free (symbolic or unknown) dims take the size given in
/// <c>dims</c> by symbol name, else 1.
/// </summary>
public static class InputGenerator
{
    public static Dictionary<string, Tensor> Random(Model model, int seed, IReadOnlyDictionary<string, long>? dims = null)
    {
        var rng = new Random(seed);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var input in model.Graph.Inputs)
        {
            if (input.IsInitializer) continue;
            if (input.Type is not TensorType { Shape: { } shape } type)
                throw new UnsupportedOperatorException($"input '{input.Name}' has no tensor type with a known rank; give inputs explicitly");
            var sizes = shape.Select(d => d.Value ?? (d.Symbol is { } s && dims?.TryGetValue(s, out var v) == true ? v : 1)).ToArray();
            var count = checked((int)sizes.Aggregate(1L, (a, b) => a * b));
            result[input.Name] = type.ElementType switch
            {
                DataType.Float => Tensor.Create(input.Name, Normal(rng, count).ToArray(), sizes),
                DataType.Double => Tensor.Create(input.Name, Normal(rng, count).Select(f => (double)f).ToArray(), sizes),
                DataType.Float16 => Tensor.Create(input.Name, Normal(rng, count).Select(f => (Half)f).ToArray(), sizes),
                DataType.Bool => Tensor.Create(input.Name, Enumerable.Range(0, count).Select(_ => rng.Next(2) == 1).ToArray(), sizes),
                DataType.Int64 => Tensor.Create(input.Name, new long[count], sizes),
                DataType.Int32 => Tensor.Create(input.Name, new int[count], sizes),
                DataType.UInt8 => Tensor.Create(input.Name, Enumerable.Range(0, count).Select(_ => (byte)rng.Next(256)).ToArray(), sizes),
                DataType.Int8 => Tensor.Create(input.Name, Enumerable.Range(0, count).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray(), sizes),
                var other => throw new UnsupportedOperatorException($"input '{input.Name}': cannot generate {other.OnnxName()} data"),
            };
        }
        return result;
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
}
