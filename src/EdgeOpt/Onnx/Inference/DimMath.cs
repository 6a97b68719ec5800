using System.Globalization;

namespace EdgeOpt.Onnx.Inference;

/// <summary>
/// Arithmetic on dims that keeps symbols where it can: products become symbols like <c>C*H*W</c> so a later
/// Reshape can divide them out again; anything else symbolic becomes unknown rather than a guess.
/// </summary>
internal static class DimMath
{
    /// <summary>Multidirectional (numpy) broadcast of two dims; throws <see cref="InferenceFailure"/> on a conflict.</summary>
    public static Dim Broadcast(Dim a, Dim b)
    {
        if (a.Value == 1) return b;
        if (b.Value == 1) return a;
        if (a.Value is { } x && b.Value is { } y)
            return x == y ? a : throw new InferenceFailure($"cannot broadcast dims {x} and {y}");
        if (a.IsKnown) return a; // b is symbolic or unknown and must equal a (or be 1, which a would win anyway)
        if (b.IsKnown) return b;
        if (a.IsSymbolic && a == b) return a;
        return Dim.Unknown;
    }

    /// <summary>Broadcast of several shapes, right-aligned.</summary>
    public static TensorShape Broadcast(IReadOnlyList<TensorShape> shapes)
    {
        var rank = shapes.Max(s => s.Rank);
        var dims = new Dim[rank];
        for (var i = 0; i < rank; i++) dims[i] = 1;
        foreach (var s in shapes)
        {
            var offset = rank - s.Rank;
            for (var i = 0; i < s.Rank; i++) dims[offset + i] = Broadcast(dims[offset + i], s[i]);
        }
        return new TensorShape(dims);
    }

    /// <summary>Product of dims: a number, a symbolic product, or unknown when any factor is unknown.</summary>
    public static Dim Product(IEnumerable<Dim> dims)
    {
        var p = DimProduct.One;
        foreach (var d in dims)
        {
            if (!DimProduct.TryFrom(d, out var f)) return Dim.Unknown;
            p = p.Times(f);
        }
        return p.ToDim();
    }

    public static Dim Multiply(Dim a, Dim b) => Product([a, b]);

    /// <summary>Exact quotient <paramref name="numerator"/> / <paramref name="denominator"/>, cancelling symbols; unknown if not exact.</summary>
    public static Dim Divide(Dim numerator, Dim denominator) =>
        DimProduct.TryFrom(numerator, out var n) && DimProduct.TryFrom(denominator, out var d) && n.TryDivide(d, out var q)
            ? q.ToDim()
            : Dim.Unknown;

    /// <summary>Applies <paramref name="f"/> when <paramref name="d"/> is known; otherwise unknown.</summary>
    public static Dim Map(Dim d, Func<long, long> f) => d.Value is { } v ? Dim.Of(f(v)) : Dim.Unknown;

    public static Dim Add(Dim a, Dim b)
    {
        if (a.Value is { } x && b.Value is { } y) return x + y;
        if (a.Value == 0) return b;
        if (b.Value == 0) return a;
        return Dim.Unknown;
    }

    /// <summary>Output size of a sliding window (conv/pool) along one axis.</summary>
    public static Dim Window(Dim input, long kernel, long stride, long dilation, long padBegin, long padEnd, bool ceilMode)
    {
        if (input.Value is not { } n) return Dim.Unknown;
        var effective = (kernel - 1) * dilation + 1;
        var span = n + padBegin + padEnd - effective;
        if (span < 0) throw new InferenceFailure($"window of {effective} is larger than the padded input {n + padBegin + padEnd}");
        var steps = ceilMode ? (span + stride - 1) / stride : span / stride;
        // A ceil-mode window that would start inside the end padding is dropped (as in ONNX Runtime).
        if (ceilMode && steps * stride >= n + padBegin) steps--;
        return steps + 1;
    }

    /// <summary>ceil(a / b) for a known dim.</summary>
    public static Dim CeilDiv(Dim a, long b) => Map(a, v => (v + b - 1) / b);

    /// <summary>Normalizes a possibly negative axis against <paramref name="rank"/>.</summary>
    public static int Axis(long axis, int rank, string what = "axis")
    {
        var a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new InferenceFailure($"{what} {axis} is out of range for rank {rank}");
        return (int)a;
    }
}

/// <summary>A product: an integer coefficient times a sorted multiset of symbols.</summary>
internal readonly record struct DimProduct(long Coefficient, string[] Symbols)
{
    public static DimProduct One => new(1, []);

    public static bool TryFrom(Dim d, out DimProduct product)
    {
        if (d.Value is { } v)
        {
            product = new DimProduct(v, []);
            return true;
        }
        if (d.Symbol is not { } s)
        {
            product = default;
            return false;
        }
        long coefficient = 1;
        var symbols = new List<string>();
        foreach (var part in s.Split('*'))
        {
            if (long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) coefficient *= n;
            else symbols.Add(part);
        }
        symbols.Sort(StringComparer.Ordinal);
        product = new DimProduct(coefficient, [.. symbols]);
        return true;
    }

    public DimProduct Times(DimProduct other)
    {
        var symbols = Symbols.Concat(other.Symbols).ToList();
        symbols.Sort(StringComparer.Ordinal);
        return new DimProduct(checked(Coefficient * other.Coefficient), [.. symbols]);
    }

    public bool TryDivide(DimProduct d, out DimProduct quotient)
    {
        quotient = default;
        if (d.Coefficient == 0 || Coefficient % d.Coefficient != 0) return false;
        var rest = Symbols.ToList();
        foreach (var s in d.Symbols)
            if (!rest.Remove(s)) return false;
        quotient = new DimProduct(Coefficient / d.Coefficient, [.. rest]);
        return true;
    }

    public Dim ToDim()
    {
        if (Symbols.Length == 0 || Coefficient == 0) return Coefficient;
        var parts = Coefficient == 1 ? Symbols : [Coefficient.ToString(CultureInfo.InvariantCulture), .. Symbols];
        return Dim.Symbolic(string.Join('*', parts));
    }
}
