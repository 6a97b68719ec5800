using System.Buffers.Binary;

namespace EdgeOpt.Onnx.Serialization;

internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>Thrown for malformed protobuf bytes; the reader turns it into a <see cref="ModelFormatException"/>.</summary>
internal sealed class ProtoFormatException(string message) : Exception(message);

/// <summary>
/// A minimal protobuf wire-format reader over memory. Length-delimited fields come back as slices of the
/// same memory, so tensor payloads are never copied. Positions in messages are absolute file offsets.
/// </summary>
internal struct ProtoReader
{
    private readonly ReadOnlyMemory<byte> _buffer;
    private readonly long _baseOffset;
    private int _position;

    public ProtoReader(ReadOnlyMemory<byte> buffer, long baseOffset = 0)
    {
        _buffer = buffer;
        _baseOffset = baseOffset;
        _position = 0;
    }

    public readonly bool AtEnd => _position >= _buffer.Length;

    /// <summary>Absolute offset of the next byte (for messages).</summary>
    public readonly long Offset => _baseOffset + _position;

    public bool TryReadTag(out int field, out WireType wireType)
    {
        if (AtEnd)
        {
            field = 0;
            wireType = 0;
            return false;
        }
        var start = Offset;
        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (WireType)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue) throw new ProtoFormatException($"invalid field number {tag >> 3} at byte {start}");
        if (wireType is not (WireType.Varint or WireType.Fixed64 or WireType.LengthDelimited or WireType.Fixed32))
            throw new ProtoFormatException($"invalid wire type {(int)wireType} for field {field} at byte {start}");
        return true;
    }

    public ulong ReadVarint()
    {
        var span = _buffer.Span;
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= span.Length) throw new ProtoFormatException($"truncated at byte {Offset}: a varint runs past the end");
            var b = span[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new ProtoFormatException($"malformed varint ending at byte {Offset}");
    }

    public long ReadInt64() => (long)ReadVarint();

    public int ReadInt32() => (int)ReadVarint();

    public uint ReadFixed32()
    {
        Require(4, "a fixed32 value");
        var v = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.Span[_position..]);
        _position += 4;
        return v;
    }

    public ulong ReadFixed64()
    {
        Require(8, "a fixed64 value");
        var v = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.Span[_position..]);
        _position += 8;
        return v;
    }

    public float ReadFloat() => BitConverter.Int32BitsToSingle((int)ReadFixed32());

    public double ReadDouble() => BitConverter.Int64BitsToDouble((long)ReadFixed64());

    /// <summary>Reads a length-delimited field as a slice (no copy).</summary>
    public ReadOnlyMemory<byte> ReadBytes(out long absoluteOffset)
    {
        var lengthAt = Offset;
        var length = ReadVarint();
        if (length > (ulong)(_buffer.Length - _position))
            throw new ProtoFormatException($"truncated at byte {lengthAt}: a field declares {length} bytes but only {_buffer.Length - _position} remain");
        absoluteOffset = Offset;
        var slice = _buffer.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    public ReadOnlyMemory<byte> ReadBytes() => ReadBytes(out _);

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadBytes().Span);

    /// <summary>A reader over an embedded message.</summary>
    public ProtoReader ReadMessage()
    {
        var bytes = ReadBytes(out var at);
        return new ProtoReader(bytes, at);
    }

    public void Skip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: Require(8, "a fixed64 value"); _position += 8; break;
            case WireType.Fixed32: Require(4, "a fixed32 value"); _position += 4; break;
            case WireType.LengthDelimited: ReadBytes(); break;
            default: throw new ProtoFormatException($"cannot skip wire type {(int)wireType} at byte {Offset}");
        }
    }

    /// <summary>Reads a repeated int64 field, packed or not.</summary>
    public void ReadInt64s(WireType wireType, List<long> target)
    {
        if (wireType == WireType.LengthDelimited)
        {
            var inner = ReadMessage();
            while (!inner.AtEnd) target.Add(inner.ReadInt64());
        }
        else
        {
            Expect(wireType, WireType.Varint);
            target.Add(ReadInt64());
        }
    }

    /// <summary>Reads a repeated uint64 field (varint), packed or not.</summary>
    public void ReadUInt64s(WireType wireType, List<ulong> target)
    {
        if (wireType == WireType.LengthDelimited)
        {
            var inner = ReadMessage();
            while (!inner.AtEnd) target.Add(inner.ReadVarint());
        }
        else
        {
            Expect(wireType, WireType.Varint);
            target.Add(ReadVarint());
        }
    }

    public void ReadInt32s(WireType wireType, List<int> target)
    {
        if (wireType == WireType.LengthDelimited)
        {
            var inner = ReadMessage();
            while (!inner.AtEnd) target.Add(inner.ReadInt32());
        }
        else
        {
            Expect(wireType, WireType.Varint);
            target.Add(ReadInt32());
        }
    }

    public void ReadFloats(WireType wireType, List<float> target)
    {
        if (wireType == WireType.LengthDelimited)
        {
            var inner = ReadMessage();
            while (!inner.AtEnd) target.Add(inner.ReadFloat());
        }
        else
        {
            Expect(wireType, WireType.Fixed32);
            target.Add(ReadFloat());
        }
    }

    public void ReadDoubles(WireType wireType, List<double> target)
    {
        if (wireType == WireType.LengthDelimited)
        {
            var inner = ReadMessage();
            while (!inner.AtEnd) target.Add(inner.ReadDouble());
        }
        else
        {
            Expect(wireType, WireType.Fixed64);
            target.Add(ReadDouble());
        }
    }

    public readonly void Expect(WireType actual, WireType expected)
    {
        if (actual != expected) throw new ProtoFormatException($"unexpected wire type {actual} (expected {expected}) near byte {Offset}");
    }

    private readonly void Require(int count, string what)
    {
        if (_buffer.Length - _position < count) throw new ProtoFormatException($"truncated at byte {Offset}: {what} runs past the end");
    }
}
