using System.Text;

namespace EdgeOpt.Tests.BadInput;

/// <summary>
/// Protobuf wire format written by hand, so tests can build files that our own writer would never produce
/// (wrong lengths, bad external data entries, absurd nesting). Each method returns one encoded field.
/// </summary>
internal static class ProtoEncoder
{
    private const int VarintWire = 0;
    private const int LengthDelimitedWire = 2;

    public static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>(10);
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }

    /// <summary>A varint field (int32/int64/enum); negatives take ten bytes, as protobuf encodes them.</summary>
    public static byte[] Int(int field, long value) => [.. Tag(field, VarintWire), .. Varint((ulong)value)];

    public static byte[] Bytes(int field, ReadOnlySpan<byte> payload) =>
        [.. Tag(field, LengthDelimitedWire), .. Varint((ulong)payload.Length), .. payload];

    public static byte[] String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>An embedded message made of the given (already encoded) fields.</summary>
    public static byte[] Message(int field, params IEnumerable<byte[]> fields) => Bytes(field, Concat(fields));

    public static byte[] Concat(params IEnumerable<byte[]> parts)
    {
        using var stream = new MemoryStream();
        foreach (var p in parts) stream.Write(p);
        return stream.ToArray();
    }

    private static byte[] Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);
}
