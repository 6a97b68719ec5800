using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis;

/// <summary>
/// Turns value shapes into concrete sizes, substituting bound symbolic dims. Returns null (with a reason) instead
/// of guessing, so callers can report a figure as "not counted" rather than zero.
/// </summary>
internal sealed class ShapeResolver(IReadOnlyDictionary<string, long>? symbols)
{
    private readonly IReadOnlyDictionary<string, long> _symbols = symbols ?? new Dictionary<string, long>();

    /// <summary>The concrete dims of <paramref name="value"/>, or null with <paramref name="reason"/> saying what is missing.</summary>
    public long[]? Dims(Value? value, out string? reason)
    {
        reason = null;
        if (value is null)
        {
            reason = "an input is missing";
            return null;
        }
        if (value.Initializer is { } t) return [.. t.Dims];
        if (value.Shape is not { } shape)
        {
            reason = $"shape of '{value.Name}' is unknown";
            return null;
        }
        var dims = new long[shape.Rank];
        for (var i = 0; i < dims.Length; i++)
        {
            var d = shape[i];
            if (d.Value is { } v) dims[i] = v;
            else if (d.Symbol is { } s && _symbols.TryGetValue(s, out var bound)) dims[i] = bound;
            else
            {
                reason = d.Symbol is { } sym
                    ? $"'{value.Name}' has symbolic dim '{sym}' (give it a size to count it)"
                    : $"'{value.Name}' has an unknown dim {i}";
                return null;
            }
        }
        return dims;
    }

    public long[]? Dims(Value? value) => Dims(value, out _);

    /// <summary>Element count, or null when the shape does not resolve.</summary>
    public long? Elements(Value? value) => Dims(value) is { } d ? Product(d) : null;

    /// <summary>Storage bytes, or null when the shape or a fixed-size element type is missing.</summary>
    public long? Bytes(Value? value) =>
        value?.ElementType is { } type && type.IsFixedSize() && Elements(value) is { } n ? type.StorageBytes(n) : null;

    public static long Product(ReadOnlySpan<long> dims)
    {
        long n = 1;
        foreach (var d in dims) n = checked(n * d);
        return n;
    }
}
