using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace EdgeOpt.Onnx.Serialization;

/// <summary>
/// Builds a protobuf message as a list of segments: small encoded runs plus references to large payloads,
/// so nested lengths are known before writing and tensor bytes are never copied into a buffer.
/// A measuring writer only adds up <see cref="Length"/>: the same calls, no bytes, no size limit.
/// </summary>
internal sealed class ProtoWriter(bool measureOnly = false)
{
    private const int InlineLimit = 4096;
    private readonly List<ReadOnlyMemory<byte>> _segments = [];
    private ArrayBufferWriter<byte> _current = new(measureOnly ? 1 : 256);

    /// <summary>Total encoded length in bytes.</summary>
    public long Length { get; private set; }

    /// <summary>Whether this writer only measures (<see cref="CopyTo"/> and <see cref="ToArray"/> are refused).</summary>
    public bool MeasureOnly => measureOnly;

    public void WriteTag(int field, WireType wireType) => WriteVarint(((ulong)field << 3) | (ulong)wireType);

    public void WriteVarint(ulong value)
    {
        if (measureOnly)
        {
            Length += VarintLength(value);
            return;
        }
        var span = _current.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        _current.Advance(n);
        Length += n;
    }

    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireType.Varint);
        WriteVarint((ulong)value);
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireType.Fixed32);
        if (measureOnly)
        {
            Length += 4;
            return;
        }
        BinaryPrimitives.WriteSingleLittleEndian(_current.GetSpan(4), value);
        _current.Advance(4);
        Length += 4;
    }

    public void WriteString(int field, string value)
    {
        if (measureOnly) WriteLengthOnly(field, Encoding.UTF8.GetByteCount(value));
        else WriteBytes(field, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Writes a string field only when non-empty (optional proto2 strings we treat as absent when empty).</summary>
    public void WriteStringIfAny(int field, string? value)
    {
        if (!string.IsNullOrEmpty(value)) WriteString(field, value);
    }

    public void WriteBytes(int field, ReadOnlyMemory<byte> value)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)value.Length);
        Append(value);
    }

    /// <summary>
    /// A bytes field of <paramref name="length"/> bytes, counted but not written (measuring writers only), so a payload
    /// need not be read, mapped or even fit in one span.
    /// </summary>
    public void WriteLengthOnly(int field, long length)
    {
        if (!measureOnly) throw new InvalidOperationException("only a measuring writer can count a field without its bytes");
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)length);
        Length += length;
    }

    public void WriteMessage(int field, ProtoWriter message)
    {
        if (message.MeasureOnly != measureOnly) throw new InvalidOperationException("a message and its parent must both measure or both write");
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)message.Length);
        if (measureOnly)
        {
            Length += message.Length;
            return;
        }
        message.Flush();
        if (message._segments.Count > 0) Flush();
        _segments.AddRange(message._segments);
        Length += message.Length;
    }

    private void Append(ReadOnlyMemory<byte> value)
    {
        if (measureOnly)
        {
            Length += value.Length;
            return;
        }
        if (value.Length >= InlineLimit)
        {
            Flush();
            _segments.Add(value);
        }
        else
        {
            value.Span.CopyTo(_current.GetSpan(value.Length));
            _current.Advance(value.Length);
        }
        Length += value.Length;
    }

    private void Flush()
    {
        if (_current.WrittenCount == 0) return;
        _segments.Add(_current.WrittenMemory);
        _current = new ArrayBufferWriter<byte>(256);
    }

    public void CopyTo(Stream stream)
    {
        ThrowIfMeasuring();
        Flush();
        foreach (var s in _segments) stream.Write(s.Span);
    }

    public byte[] ToArray()
    {
        ThrowIfMeasuring();
        if (Length > Array.MaxLength) throw new InvalidOperationException("message too large for one array");
        Flush();
        var result = new byte[Length];
        var at = 0;
        foreach (var s in _segments)
        {
            s.Span.CopyTo(result.AsSpan(at));
            at += s.Length;
        }
        return result;
    }

    private void ThrowIfMeasuring()
    {
        if (measureOnly) throw new InvalidOperationException("a measuring writer holds no bytes");
    }

    /// <summary>Bytes a base-128 varint of <paramref name="value"/> takes: 1 to 10.</summary>
    internal static int VarintLength(ulong value) => value == 0 ? 1 : (70 - System.Numerics.BitOperations.LeadingZeroCount(value)) / 7;
}
