using System.Globalization;

namespace EdgeOpt.Onnx;

/// <summary>One tensor dimension: a known size, a named symbol (e.g. <c>N</c>), or unknown.</summary>
public readonly record struct Dim
{
    private Dim(long? value, string? symbol, string? denotation)
    {
        Value = value;
        Symbol = symbol;
        Denotation = denotation;
    }

    /// <summary>The size when known.</summary>
    public long? Value { get; }

    /// <summary>The symbolic name (ONNX <c>dim_param</c>) when the size is symbolic.</summary>
    public string? Symbol { get; }

    /// <summary>Optional ONNX dimension denotation (e.g. <c>DATA_BATCH</c>).</summary>
    public string? Denotation { get; init; }

    public static Dim Unknown => default;

    public bool IsKnown => Value.HasValue;
    public bool IsSymbolic => Symbol is not null;

    public static Dim Of(long value) => new(value, null, null);
    public static Dim Symbolic(string symbol) => new(null, symbol, null);

    public static implicit operator Dim(long value) => Of(value);
    public static implicit operator Dim(int value) => Of(value);

    public override string ToString() => Value?.ToString(CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}

/// <summary>A tensor shape: an ordered list of dims. An empty shape is a scalar.</summary>
public sealed class TensorShape : IEquatable<TensorShape>, IReadOnlyList<Dim>
{
    private readonly Dim[] _dims;

    public TensorShape(params Dim[] dims) => _dims = (Dim[])dims.Clone();
    public TensorShape(IEnumerable<Dim> dims) => _dims = dims.ToArray();

    public static TensorShape FromDims(IEnumerable<long> dims) => new(dims.Select(Dim.Of));

    public int Rank => _dims.Length;
    public int Count => _dims.Length;
    public Dim this[int index] => _dims[index];

    /// <summary>Whether every dim has a known size.</summary>
    public bool IsStatic => _dims.All(d => d.IsKnown);

    /// <summary>The sizes when <see cref="IsStatic"/>; otherwise null.</summary>
    public long[]? ToArray() => IsStatic ? _dims.Select(d => d.Value!.Value).ToArray() : null;

    /// <summary>Element count when static; otherwise null.</summary>
    public long? ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in _dims)
            {
                if (d.Value is not { } v) return null;
                n = checked(n * v);
            }
            return n;
        }
    }

    public IEnumerator<Dim> GetEnumerator() => ((IEnumerable<Dim>)_dims).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _dims.GetEnumerator();

    public bool Equals(TensorShape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);
    public override bool Equals(object? obj) => Equals(obj as TensorShape);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in _dims) h.Add(d);
        return h.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(",", _dims) + "]";
}
