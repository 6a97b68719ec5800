using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace EdgeOpt.Onnx.Serialization;

/// <summary>
/// Builds a protobuf message as a list of segments: small encoded runs plus references to large payloads,
/// so nested lengths are known before writing and tensor bytes are never copied into a buffer.
/// </summary>
internal sealed class ProtoWriter
{
    private const int InlineLimit = 4096;
    private readonly List<ReadOnlyMemory<byte>> _segments = [];
    private ArrayBufferWriter<byte> _current = new(256);

    /// <summary>Total encoded length in bytes.</summary>
    public long Length { get; private set; }

    public void WriteTag(int field, WireType wireType) => WriteVarint(((ulong)field << 3) | (ulong)wireType);

    public void WriteVarint(ulong value)
    {
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
        BinaryPrimitives.WriteSingleLittleEndian(_current.GetSpan(4), value);
        _current.Advance(4);
        Length += 4;
    }

    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

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

    public void WriteMessage(int field, ProtoWriter message)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)message.Length);
        message.Flush();
        if (message._segments.Count > 0) Flush();
        _segments.AddRange(message._segments);
        Length += message.Length;
    }

    private void Append(ReadOnlyMemory<byte> value)
    {
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
        Flush();
        foreach (var s in _segments) stream.Write(s.Span);
    }

    public byte[] ToArray()
    {
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
}
