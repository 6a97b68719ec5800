using System.Text;
using Google.FlatBuffers;

namespace EdgeOpt.Onnx.Tflite.Schema;

/// <summary>
/// A FlatBuffers file read through Google.FlatBuffers' <see cref="ByteBuffer"/>, with every offset, vtable and vector
/// length checked against the file before it is followed. FlatBuffers' generated readers trust the bytes; a crafted
/// .tflite must give a one-line error naming the field, never an out-of-range read.
/// </summary>
internal sealed class FlatBufferView
{
    public FlatBufferView(byte[] bytes, string fileName)
    {
        Bytes = bytes;
        Buffer = new ByteBuffer(bytes);
        FileName = fileName;
    }

    public byte[] Bytes { get; }
    public ByteBuffer Buffer { get; }
    public string FileName { get; }
    public int Length => Bytes.Length;

    /// <summary>The root table: the uoffset at byte 0.</summary>
    public FbTable Root(string what)
    {
        Require(0, 8, what);
        return TableAt(Follow(0, what), what);
    }

    /// <summary>Follows the uoffset stored at <paramref name="at"/> (relative to <paramref name="at"/>).</summary>
    public int Follow(int at, string what)
    {
        Require(at, 4, what);
        var offset = Buffer.GetUint(at);
        var target = (long)at + offset;
        if (offset == 0 || target >= Length) Corrupt($"{what}: offset {offset} at byte {at} points outside the file ({Length} bytes)");
        return (int)target;
    }

    public FbTable TableAt(int position, string what)
    {
        Require(position, 4, what);
        var vtable = (long)position - Buffer.GetInt(position);
        if (vtable < 0 || vtable + 4 > Length) Corrupt($"{what}: vtable of the table at byte {position} lies outside the file");
        var vtableSize = Buffer.GetUshort((int)vtable);
        var inlineSize = Buffer.GetUshort((int)vtable + 2);
        if (vtableSize < 4 || vtableSize % 2 != 0 || vtable + vtableSize > Length)
            Corrupt($"{what}: vtable at byte {vtable} has an invalid size {vtableSize}");
        if (inlineSize < 4 || (long)position + inlineSize > Length)
            Corrupt($"{what}: table at byte {position} claims {inlineSize} bytes past the end of the file");
        return new FbTable(this, position, (int)vtable, vtableSize, inlineSize, what);
    }

    public void Require(long at, long size, string what)
    {
        if (at < 0 || size < 0 || at + size > Length) Corrupt($"{what}: bytes {at}..{at + size} lie outside the file ({Length} bytes)");
    }

    /// <summary>A broken FlatBuffer structure: says so, since a cut download and a hostile file look the same here.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void Corrupt(string message) => Fail($"{message}; the TensorFlow Lite file is truncated or corrupt");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void Fail(string message) => ThrowHelper.ModelFormat($"{FileName}: {message}");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public T Fail<T>(string message) => ThrowHelper.ModelFormat<T>($"{FileName}: {message}");
}

/// <summary>One table of a <see cref="FlatBufferView"/>; fields are addressed by their slot (declaration order, a union taking two).</summary>
internal readonly struct FbTable
{
    private readonly FlatBufferView _file;
    private readonly int _position;
    private readonly int _vtable;
    private readonly int _vtableSize;
    private readonly int _inlineSize;

    public FbTable(FlatBufferView file, int position, int vtable, int vtableSize, int inlineSize, string what)
    {
        _file = file;
        _position = position;
        _vtable = vtable;
        _vtableSize = vtableSize;
        _inlineSize = inlineSize;
        What = what;
    }

    /// <summary>Names this table in errors, e.g. <c>subgraph 0 tensor 12</c>.</summary>
    public string What { get; }

    public FlatBufferView File => _file;

    /// <summary>Absolute position of a field of <paramref name="size"/> bytes, or -1 when absent (the default applies).</summary>
    private int Field(int slot, int size)
    {
        var entry = 4 + 2 * slot;
        if (entry + 2 > _vtableSize) return -1;
        var offset = _file.Buffer.GetUshort(_vtable + entry);
        if (offset == 0) return -1;
        if (offset + size > _inlineSize) _file.Corrupt($"{What}: field {slot} at offset {offset} lies outside its table");
        return _position + offset;
    }

    public bool Has(int slot) => Field(slot, 1) >= 0;

    public byte Byte(int slot, byte fallback = 0) => Field(slot, 1) is var p and >= 0 ? _file.Buffer.Get(p) : fallback;
    public sbyte SByte(int slot, sbyte fallback = 0) => Field(slot, 1) is var p and >= 0 ? _file.Buffer.GetSbyte(p) : fallback;
    public bool Bool(int slot, bool fallback = false) => Field(slot, 1) is var p and >= 0 ? _file.Buffer.Get(p) != 0 : fallback;
    public int Int(int slot, int fallback = 0) => Field(slot, 4) is var p and >= 0 ? _file.Buffer.GetInt(p) : fallback;
    public uint UInt(int slot, uint fallback = 0) => Field(slot, 4) is var p and >= 0 ? _file.Buffer.GetUint(p) : fallback;
    public float Float(int slot, float fallback = 0) => Field(slot, 4) is var p and >= 0 ? _file.Buffer.GetFloat(p) : fallback;
    public long Long(int slot, long fallback = 0) => Field(slot, 8) is var p and >= 0 ? _file.Buffer.GetLong(p) : fallback;
    public ulong ULong(int slot, ulong fallback = 0) => Field(slot, 8) is var p and >= 0 ? _file.Buffer.GetUlong(p) : fallback;

    /// <summary>A sub-table, or null when absent.</summary>
    public FbTable? Table(int slot, string what)
    {
        var p = Field(slot, 4);
        return p < 0 ? null : _file.TableAt(_file.Follow(p, what), what);
    }

    /// <summary>A vector's element start and count, checked to fit the file; (0, 0) when absent.</summary>
    public (int Start, int Count) Vector(int slot, int elementSize, string what)
    {
        var p = Field(slot, 4);
        if (p < 0) return (0, 0);
        var at = _file.Follow(p, what);
        _file.Require(at, 4, what);
        var count = _file.Buffer.GetUint(at);
        if ((long)count * elementSize > _file.Length - (at + 4L))
            _file.Corrupt($"{what}: vector of {count} elements at byte {at} runs past the end of the file");
        return (at + 4, (int)count);
    }

    public string? String(int slot, string what)
    {
        if (!Has(slot)) return null;
        var (start, count) = Vector(slot, 1, what);
        return Encoding.UTF8.GetString(_file.Bytes, start, count);
    }

    public int[] Ints(int slot, string what)
    {
        var (start, count) = Vector(slot, 4, what);
        var values = new int[count];
        for (var i = 0; i < count; i++) values[i] = _file.Buffer.GetInt(start + 4 * i);
        return values;
    }

    public float[] Floats(int slot, string what)
    {
        var (start, count) = Vector(slot, 4, what);
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = _file.Buffer.GetFloat(start + 4 * i);
        return values;
    }

    public long[] Longs(int slot, string what)
    {
        var (start, count) = Vector(slot, 8, what);
        var values = new long[count];
        for (var i = 0; i < count; i++) values[i] = _file.Buffer.GetLong(start + 8 * i);
        return values;
    }

    public ushort[] UShorts(int slot, string what)
    {
        var (start, count) = Vector(slot, 2, what);
        var values = new ushort[count];
        for (var i = 0; i < count; i++) values[i] = _file.Buffer.GetUshort(start + 2 * i);
        return values;
    }

    /// <summary>A [ubyte] vector as a slice of the file (no copy).</summary>
    public ReadOnlyMemory<byte> Bytes(int slot, string what)
    {
        var (start, count) = Vector(slot, 1, what);
        return count == 0 ? ReadOnlyMemory<byte>.Empty : new ReadOnlyMemory<byte>(_file.Bytes, start, count);
    }

    /// <summary>A vector of tables; <paramref name="name"/> makes each element's error name (e.g. <c>i => $"tensor {i}"</c>).</summary>
    public FbTable[] Tables(int slot, string what, Func<int, string> name)
    {
        var (start, count) = Vector(slot, 4, what);
        var tables = new FbTable[count];
        for (var i = 0; i < count; i++)
        {
            var elementName = name(i);
            tables[i] = _file.TableAt(_file.Follow(start + 4 * i, elementName), elementName);
        }
        return tables;
    }
}
