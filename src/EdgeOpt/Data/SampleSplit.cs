using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>
/// How an array stored in a file maps to samples of one model input: the model's own shape is one sample, a leading N
/// in front of the per-sample shape is N samples (each with batch 1), and a shape missing only the batch dim is one
/// sample with batch 1 added.
/// </summary>
internal readonly record struct SampleSplit(int Count, long[] SampleDims)
{
    public long SampleElements => SampleDims.Aggregate(1L, (a, b) => a * b);

    /// <exception cref="DataFormatException">The shape fits neither one sample nor N samples (names file and input).</exception>
    public static SampleSplit Of(Value input, IReadOnlyList<long> dims, string file)
    {
        // A dim of 0 holds no samples, whatever its other dims claim (a header can say [3e9, 0] in 80 bytes).
        if (dims.Contains(0)) throw new DataFormatException($"{file}: the array [{string.Join(",", dims)}] holds no samples (a dim of 0)");
        if (input.Type is not TensorType { Shape: { } shape }) return new(1, [.. dims]);
        var rank = shape.Rank;
        var batchLike = rank > 0 && (shape[0].Value is null or 1);

        // [N, ...rest] where the input is [1 or free, ...rest]: N samples of batch 1.
        if (batchLike && dims.Count == rank && Matches(shape, dims, from: 1, offset: 0) && dims[0] > 0)
            return new(SampleCount(dims[0], file), [1, .. dims.Skip(1)]);
        if (dims.Count == rank && Matches(shape, dims, from: 0, offset: 0)) return new(1, [.. dims]);
        // [N, 1, ...rest]: N whole samples stacked.
        if (dims.Count == rank + 1 && dims[0] > 0 && Matches(shape, dims, from: 0, offset: 1) && (!batchLike || dims[1] == 1))
            return new(SampleCount(dims[0], file), [.. dims.Skip(1)]);
        // [...rest] without the batch dim: one sample.
        if (batchLike && dims.Count == rank - 1 && Matches(shape, dims, from: 1, offset: -1)) return new(1, [1, .. dims]);

        var rest = string.Join(",", shape.Skip(1));
        var expected = batchLike
            ? $"[{string.Join(",", shape.Select((d, i) => i == 0 ? "1" : d.ToString()))}] (one sample) or [N,{rest}] (N samples)"
            : $"[{string.Join(",", shape)}] (one sample) or [N,{string.Join(",", shape)}] (N samples)";
        throw new DataFormatException($"{file}: input '{input.Name}' expects {expected}, got [{string.Join(",", dims)}]");
    }

    private static int SampleCount(long n, string file) => n <= int.MaxValue
        ? (int)n
        : throw new DataFormatException($"{file}: {n} samples in one array; at most {int.MaxValue} are supported");

    // Model dims [from..] against array dims shifted by offset; free model dims match anything.
    private static bool Matches(TensorShape shape, IReadOnlyList<long> dims, int from, int offset)
    {
        for (var i = from; i < shape.Rank; i++)
            if (shape[i].Value is { } v && v != dims[i + offset]) return false;
        return true;
    }
}
