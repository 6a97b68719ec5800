using System.Globalization;

namespace EdgeOpt.Pruning;

/// <summary>
/// An N:M semi-structured pattern: at most <see cref="N"/> non-zero weights in every run of <see cref="M"/> consecutive
/// weights along the input (reduction) dimension. 2:4 is what NVIDIA's sparse tensor cores (TensorRT <c>--sparsity=enable</c>) use.
/// </summary>
public readonly record struct SparsityPattern(int N, int M)
{
    /// <summary>2:4, the Ampere/Orin sparse tensor core pattern.</summary>
    public static SparsityPattern TwoFour { get; } = new(2, 4);

    /// <summary>The share of weights that become zero, (M − N) / M.</summary>
    public double Sparsity => M <= 0 ? 0 : (double)(M - N) / M;

    /// <summary>Parses <c>"2:4"</c>; null when the text is not of the form N:M with 0 &lt; N &lt; M ≤ 64.</summary>
    public static SparsityPattern? TryParse(string? text)
    {
        var parts = text?.Split(':');
        if (parts is not { Length: 2 }
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            || n <= 0 || n >= m || m > 64) return null;
        return new SparsityPattern(n, m);
    }

    public override string ToString() => $"{N}:{M}";
}
