using System.Text;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// Orders strings by their UTF-8 bytes, as FlatBuffers' <c>key</c> lookup (strcmp) and C++ <c>std::string</c> compare them;
/// ordinal UTF-16 order differs for characters above U+FFFF against U+E000–U+FFFF.
/// </summary>
internal sealed class Utf8Order : IComparer<string>
{
    public static Utf8Order Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        return Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y));
    }
}
