using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace EdgeOpt.Onnx.Serialization;

internal sealed partial class OnnxReader
{
    /// <summary>Decodes one standalone <c>TensorProto</c> (e.g. a test-data <c>.pb</c>); payloads stay slices of <paramref name="bytes"/>.</summary>
    internal static Tensor DecodeTensor(ReadOnlyMemory<byte> bytes, string sourceName)
    {
        try
        {
            return new OnnxReader(null, sourceName, ModelLoadOptions.Default, null).ReadTensor(new ProtoReader(bytes));
        }
        catch (ProtoFormatException e)
        {
            throw new ModelFormatException(FileText.Escape($"{sourceName} is not a valid TensorProto: {e.Message}"));
        }
        catch (ModelFormatException e) when (e.Message.Any(FileText.BreaksLine))
        {
            // Names in messages come from the file: escape control characters so an error stays one line.
            throw new ModelFormatException(FileText.Escape(e.Message), e);
        }
    }

    private Tensor ReadTensor(ProtoReader r)
    {
        CountTensor(r.Offset);
        var dims = new List<long>();
        var dataType = 0;
        var name = "";
        string? doc = null;
        ReadOnlyMemory<byte>? raw = null;
        long rawOffset = 0;
        List<float>? floats = null;
        List<int>? ints = null;
        List<long>? longs = null;
        List<double>? doubles = null;
        List<ulong>? ulongs = null;
        List<byte[]>? strings = null;
        long stringBytes = 0;
        var external = new List<KeyValuePair<string, string>>();
        var metadata = new List<KeyValuePair<string, string>>();
        var location = 0;
        // Packed float_data/double_data are already little-endian element bytes: keep them as file views.
        ReadOnlyMemory<byte>? packed = null;
        long packedOffset = 0;
        var packedField = 0;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.ReadInt64s(wt, dims); break;
                case 2: r.Expect(wt, WireType.Varint); dataType = r.ReadInt32(); break;
                case 4 or 10 when wt == WireType.LengthDelimited && packed is null && floats is null && doubles is null:
                    packed = r.ReadBytes(out packedOffset);
                    packedField = field;
                    break;
                case 4: Unpack(ref packed, packedField, ref floats, ref doubles); r.ReadFloats(wt, floats ??= []); break;
                case 5: r.ReadInt32s(wt, ints ??= []); break;
                case 6:
                    r.Expect(wt, WireType.LengthDelimited);
                    var text = r.ReadBytes();
                    CountString(strings?.Count ?? 0, stringBytes += text.Length, r.Offset);
                    (strings ??= []).Add(text.ToArray());
                    break;
                case 7: r.ReadInt64s(wt, longs ??= []); break;
                case 8: r.Expect(wt, WireType.LengthDelimited); name = r.ReadString(); break;
                case 9: r.Expect(wt, WireType.LengthDelimited); raw = r.ReadBytes(out rawOffset); break;
                case 10: Unpack(ref packed, packedField, ref floats, ref doubles); r.ReadDoubles(wt, doubles ??= []); break;
                case 11: r.ReadUInt64s(wt, ulongs ??= []); break;
                case 12: r.Expect(wt, WireType.LengthDelimited); doc = r.ReadString(); break;
                case 13: r.Expect(wt, WireType.LengthDelimited); external.Add(ReadEntry(r.ReadMessage())); break;
                case 14: r.Expect(wt, WireType.Varint); location = r.ReadInt32(); break;
                case 16: r.Expect(wt, WireType.LengthDelimited); metadata.Add(ReadEntry(r.ReadMessage())); break;
                default: r.Skip(wt); break;
            }
        }

        var label = name.Length > 0 ? $"tensor '{name}'" : "an unnamed tensor";
        if (!DataTypes.IsDefined(dataType)) ThrowHelper.ModelFormat($"{_fileName}: {label} has unknown data_type {dataType}");
        var type = (DataType)dataType;
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0) ThrowHelper.ModelFormat($"{_fileName}: {label} has negative dim {d} in [{string.Join(",", dims)}]");
            try { count = checked(count * d); }
            catch (OverflowException) { ThrowHelper.ModelFormat($"{_fileName}: {label} dims [{string.Join(",", dims)}] overflow a 64-bit element count"); }
        }
        // StorageBytes multiplies by the bit width (at most 128): refuse here rather than overflow later.
        if (count > long.MaxValue / 128)
            ThrowHelper.ModelFormat($"{_fileName}: {label} dims [{string.Join(",", dims)}] give {count} elements; its byte size would overflow 64 bits");
        CheckElements(label, dims, count);

        Tensor tensor;
        if (location == 1 || external.Count > 0)
        {
            tensor = Tensor.FromData(name, type, dims, ResolveExternal(label, type, count, external));
        }
        else if (type == DataType.String)
        {
            var values = strings ?? [];
            if (values.Count != count) ThrowHelper.ModelFormat($"{_fileName}: {label} has {values.Count} strings but dims [{string.Join(",", dims)}] need {count}");
            tensor = Tensor.FromStrings(name, dims, values);
        }
        else
        {
            if (type == DataType.Undefined) ThrowHelper.ModelFormat($"{_fileName}: {label} has data_type UNDEFINED");
            long expected;
            try { expected = type.StorageBytes(count); }
            catch (OverflowException) { expected = long.MaxValue; }
            ReadOnlyMemory<byte> bytes;
            var packedMatches = packed is not null && raw is null
                && ((packedField == 4 && type is DataType.Float or DataType.Complex64) || (packedField == 10 && type is DataType.Double or DataType.Complex128));
            if (packed is not null && !packedMatches) Unpack(ref packed, packedField, ref floats, ref doubles);
            if (packedMatches)
            {
                if (packed!.Value.Length != expected)
                    ThrowHelper.ModelFormat($"{_fileName}: {label} holds {packed.Value.Length / (packedField == 4 ? 4 : 8)} values but {type.OnnxName()}[{string.Join(",", dims)}] needs {expected / (packedField == 4 ? 4 : 8)}");
                bytes = packed.Value;
                raw = packed;
                rawOffset = packedOffset;
            }
            else if (raw is { } rawBytes)
            {
                if (rawBytes.Length != expected)
                    ThrowHelper.ModelFormat($"{_fileName}: {label} raw_data is {rawBytes.Length} bytes but {type.OnnxName()}[{string.Join(",", dims)}] needs {expected}");
                bytes = rawBytes;
            }
            else
            {
                bytes = FromTypedFields(label, type, count, expected, floats, ints, longs, doubles, ulongs);
            }
            tensor = Tensor.FromData(name, type, dims, _mapped is not null && raw is not null && bytes.Length > 0
                ? new MappedSliceTensorData(_mapped, rawOffset, bytes.Length)
                : TensorData.FromMemory(bytes));
        }
        tensor.DocString = doc;
        tensor.MetadataProps.AddRange(metadata);
        return tensor;
    }

    /// <summary>Turns a kept packed slice back into a value list (when the same field repeats or the type differs).</summary>
    private static void Unpack(ref ReadOnlyMemory<byte>? packed, int field, ref List<float>? floats, ref List<double>? doubles)
    {
        if (packed is not { } p) return;
        if (p.Length % (field == 4 ? 4 : 8) != 0) throw new ProtoFormatException("a packed float field has a partial element");
        if (field == 4) (floats ??= []).InsertRange(0, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(p.Span).ToArray());
        else (doubles ??= []).InsertRange(0, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(p.Span).ToArray());
        packed = null;
    }

    /// <summary>Converts the typed repeated fields (float_data, int32_data, ...) into raw little-endian bytes.</summary>
    private ReadOnlyMemory<byte> FromTypedFields(string label, DataType type, long count, long expected,
        List<float>? floats, List<int>? ints, List<long>? longs, List<double>? doubles, List<ulong>? ulongs)
    {
        if (expected > Array.MaxLength) ThrowHelper.ModelFormat($"{_fileName}: {label} is too large to hold in typed fields");
        // Counted before allocating: a few bytes of dims must not make the reader allocate what they claim.
        var (have, needed) = type switch
        {
            DataType.Float => (floats?.Count ?? 0, count),
            DataType.Complex64 => (floats?.Count ?? 0, 2 * count),
            DataType.Double => (doubles?.Count ?? 0, count),
            DataType.Complex128 => (doubles?.Count ?? 0, 2 * count),
            DataType.Int64 => (longs?.Count ?? 0, count),
            DataType.UInt64 or DataType.UInt32 => (ulongs?.Count ?? 0, count),
            // Sub-byte types (int4, uint4, float4, int2): int32_data holds the packed bytes, one per entry.
            _ when type.BitWidth() < 8 => (ints?.Count ?? 0, expected),
            _ => (ints?.Count ?? 0, count),
        };
        if (have != needed)
            ThrowHelper.ModelFormat($"{_fileName}: {label} holds {have} values but {type.OnnxName()} dims need {needed}");
        var result = new byte[expected];
        var span = result.AsSpan();
        switch (type)
        {
            case DataType.Float:
            case DataType.Complex64:
                if (floats is not null) MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(floats)).CopyTo(span);
                break;
            case DataType.Double:
            case DataType.Complex128:
                if (doubles is not null) MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(doubles)).CopyTo(span);
                break;
            case DataType.Int64:
                if (longs is not null) MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(longs)).CopyTo(span);
                break;
            case DataType.UInt64:
                if (ulongs is not null) MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(ulongs)).CopyTo(span);
                break;
            case DataType.UInt32:
                for (var i = 0; i < have; i++) BinaryPrimitives.WriteUInt32LittleEndian(span[(4 * i)..], (uint)ulongs![i]);
                break;
            case DataType.Int32:
                if (ints is not null) MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(ints)).CopyTo(span);
                break;
            case DataType.Int16:
            case DataType.UInt16:
            case DataType.Float16:
            case DataType.BFloat16:
                for (var i = 0; i < have; i++) BinaryPrimitives.WriteUInt16LittleEndian(span[(2 * i)..], (ushort)ints![i]);
                break;
            default:
                // 8-bit types one value per entry; sub-byte types the packed bytes, one per entry.
                for (var i = 0; i < have; i++) span[i] = (byte)ints![i];
                break;
        }
        return result;
    }

    private TensorData ResolveExternal(string label, DataType type, long count, List<KeyValuePair<string, string>> entries)
    {
        string? location = null, checksum = null;
        long? offset = null, length = null;
        foreach (var (key, value) in entries)
        {
            switch (key)
            {
                case "location": location = value; break;
                case "offset": offset = ParseLong(label, key, value); break;
                case "length": length = ParseLong(label, key, value); break;
                case "checksum": checksum = value; break;
                case "basepath": break;
                default: break;
            }
        }
        // Checked first: an external tensor of no type has no size, and what we would write back could never be read.
        if (type == DataType.Undefined) ThrowHelper.ModelFormat($"{_fileName}: {label} has data_type UNDEFINED");
        if (location is null) ThrowHelper.ModelFormat($"{_fileName}: {label} is external but has no 'location'");
        if (offset < 0) ThrowHelper.ModelFormat($"{_fileName}: {label} external data offset {offset} is negative");
        if (length < 0) ThrowHelper.ModelFormat($"{_fileName}: {label} external data length {length} is negative");
        if (_baseDirectory is null)
            ThrowHelper.ModelFormat($"{_fileName}: {label} uses external data '{location}' but the model was not loaded from a folder");
        var full = ExternalDataPaths.Resolve(_baseDirectory, location, $"{_fileName}: {label}", _realModelDirectory);
        if (!File.Exists(full)) ThrowHelper.ModelFormat($"{_fileName}: {label} external data file '{location}' does not exist");
        var fileLength = FileLength.Of(full);
        var start = offset ?? 0;
        var expected = type.StorageBytes(count);
        var size = length ?? (type.IsFixedSize() ? expected : fileLength - start);
        if (start > fileLength || size > fileLength - start)
            ThrowHelper.ModelFormat($"{_fileName}: {label} external data range offset {start} + length {size} is past the end of '{location}' ({fileLength} bytes)");
        if (type.IsFixedSize() && size != expected)
            ThrowHelper.ModelFormat($"{_fileName}: {label} external data length {size} does not match {type.OnnxName()} dims ({expected} bytes)");
        if (type == DataType.String) ThrowHelper.ModelFormat($"{_fileName}: {label} is a string tensor in external data, which ONNX does not allow");
        AddExternal(label, size);
        return new ExternalTensorData(_external, new ExternalDataInfo(location, full, start, size, checksum));
    }

    private long ParseLong(string label, string key, string value)
    {
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            ThrowHelper.ModelFormat($"{_fileName}: {label} external data {key} '{value}' is not a 64-bit integer (overflow or not a number)");
        return v;
    }
}
