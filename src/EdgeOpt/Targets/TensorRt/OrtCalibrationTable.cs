using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// ONNX Runtime's calibration table, <c>calibration.flatbuffers</c>, which its TensorRT EP reads when
/// <c>trt_int8_use_native_calibration_table=0</c>: FlatBuffers root <c>TrtTable { dict: [KeyValue]; }</c> with
/// <c>KeyValue { key: string (key); value: string; }</c> (namespace CalTableFlatBuffers, ort_trt_int8_cal_table.fbs.h),
/// the value being the dynamic range as a decimal string (ORT's quant_utils.write_calibration_table writes
/// <c>str(max(|min|, |max|))</c>; the EP parses it with <c>std::stof</c>). Written by hand rather than with the
/// FlatBuffers runtime: one fixed two-field schema, laid out front to back so the bytes depend on the ranges alone.
/// </summary>
internal static class OrtCalibrationTable
{
    public const string FileName = "calibration.flatbuffers";

    // Layout: root offset | TrtTable vtable | TrtTable | KeyValue vtable (shared) | dict vector | KeyValue tables | strings.
    // Every uoffset points forward, as FlatBuffers requires; tables, vectors and strings are 4-byte aligned.
    public static byte[] Write(IReadOnlyDictionary<string, float> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        var entries = ranges.OrderBy(r => r.Key, Utf8Order.Instance)
            .Select(r => (Key: Encoding.UTF8.GetBytes(r.Key), Value: Encoding.UTF8.GetBytes(r.Value.ToString("R", CultureInfo.InvariantCulture))))
            .ToList();
        const int tableVTable = 4, table = 12, pairVTable = 20, vector = 28;
        var pairs = vector + 4 + (4 * entries.Count);
        var stringsStart = pairs + (12 * entries.Count);
        var size = stringsStart + entries.Sum(e => StringSize(e.Key) + StringSize(e.Value));
        var buffer = new byte[size];
        var span = buffer.AsSpan();

        WriteU32(span, 0, table);
        WriteU16(span, tableVTable, 6); // vtable bytes: size, table size, one field
        WriteU16(span, tableVTable + 2, 8); // table bytes: soffset + dict
        WriteU16(span, tableVTable + 4, 4); // dict at +4
        WriteI32(span, table, table - tableVTable);
        WriteU32(span, table + 4, vector - (table + 4));
        WriteU16(span, pairVTable, 8);
        WriteU16(span, pairVTable + 2, 12);
        WriteU16(span, pairVTable + 4, 4); // key at +4
        WriteU16(span, pairVTable + 6, 8); // value at +8
        WriteU32(span, vector, (uint)entries.Count);

        var at = stringsStart;
        for (var i = 0; i < entries.Count; i++)
        {
            var slot = vector + 4 + (4 * i);
            var pair = pairs + (12 * i);
            WriteU32(span, slot, pair - slot);
            WriteI32(span, pair, pair - pairVTable);
            WriteU32(span, pair + 4, at - (pair + 4));
            at = WriteString(span, at, entries[i].Key);
            WriteU32(span, pair + 8, at - (pair + 8));
            at = WriteString(span, at, entries[i].Value);
        }
        return buffer;
    }

    /// <summary>Reads a table back (any valid FlatBuffers layout of the schema): tensor name → range, in file order.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a TrtTable.</exception>
    public static List<KeyValuePair<string, float>> Read(ReadOnlySpan<byte> data)
    {
        var root = Offset(data, 0);
        var dict = Field(data, root, 0) ?? throw new InvalidDataException("calibration table has no dict");
        var vector = Offset(data, dict);
        var count = (int)ReadU32(data, vector);
        if (count < 0 || vector + 4 + ((long)count * 4) > data.Length) throw new InvalidDataException("calibration table dict runs past the end");
        var result = new List<KeyValuePair<string, float>>(count);
        for (var i = 0; i < count; i++)
        {
            var pair = Offset(data, vector + 4 + (4 * i));
            var key = Field(data, pair, 0) ?? throw new InvalidDataException($"calibration table entry {i} has no key");
            var value = Field(data, pair, 1) ?? throw new InvalidDataException($"calibration table entry {i} has no value");
            var text = ReadString(data, Offset(data, value));
            if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var range))
                throw new InvalidDataException($"calibration table entry {i}: value '{text}' is not a number");
            result.Add(new(ReadString(data, Offset(data, key)), range));
        }
        return result;
    }

    private static int StringSize(byte[] bytes) => (4 + bytes.Length + 1 + 3) & ~3;

    private static int WriteString(Span<byte> span, int at, byte[] bytes)
    {
        WriteU32(span, at, (uint)bytes.Length);
        bytes.CopyTo(span[(at + 4)..]);
        return at + StringSize(bytes); // the terminating zero and the padding are already zero
    }

    // The position a uoffset at 'at' points to.
    private static int Offset(ReadOnlySpan<byte> data, int at)
    {
        var target = at + (long)ReadU32(data, at);
        if (target >= data.Length) throw new InvalidDataException($"calibration table offset at {at} points past the end");
        return (int)target;
    }

    // The position of field 'index' of the table at 'table' (the uoffset slot), or null when absent.
    private static int? Field(ReadOnlySpan<byte> data, int table, int index)
    {
        var vtable = table - (long)ReadI32(data, table);
        if (vtable < 0 || vtable + 4 > data.Length) throw new InvalidDataException($"calibration table vtable of table {table} is out of range");
        var vtableSize = ReadU16(data, (int)vtable);
        if (4 + (2 * index) + 2 > vtableSize) return null;
        var field = ReadU16(data, (int)vtable + 4 + (2 * index));
        return field == 0 ? null : table + field;
    }

    private static string ReadString(ReadOnlySpan<byte> data, int at)
    {
        var length = ReadU32(data, at);
        if (at + 4L + length > data.Length) throw new InvalidDataException($"calibration table string at {at} runs past the end");
        return Encoding.UTF8.GetString(data.Slice(at + 4, (int)length));
    }

    private static uint ReadU32(ReadOnlySpan<byte> data, int at) =>
        at >= 0 && at + 4 <= data.Length ? BinaryPrimitives.ReadUInt32LittleEndian(data[at..]) : throw new InvalidDataException($"calibration table is cut short at {at}");

    private static int ReadI32(ReadOnlySpan<byte> data, int at) => unchecked((int)ReadU32(data, at));

    private static ushort ReadU16(ReadOnlySpan<byte> data, int at) =>
        at >= 0 && at + 2 <= data.Length ? BinaryPrimitives.ReadUInt16LittleEndian(data[at..]) : throw new InvalidDataException($"calibration table is cut short at {at}");

    private static void WriteU32(Span<byte> span, int at, int value) => BinaryPrimitives.WriteInt32LittleEndian(span[at..], value);

    private static void WriteU32(Span<byte> span, int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(span[at..], value);

    private static void WriteI32(Span<byte> span, int at, int value) => BinaryPrimitives.WriteInt32LittleEndian(span[at..], value);

    private static void WriteU16(Span<byte> span, int at, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(span[at..], value);
}
