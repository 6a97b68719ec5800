using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Runner;

/// <summary>
/// NumPy .npy files (format 1.0-3.0), C order, little-endian: float32, int64, int32, uint8, int8 and bool, read into
/// and written from ONNX Runtime tensors. Anything else is a <see cref="UsageError"/> naming the file.
/// </summary>
internal static class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private static readonly (string Descr, TensorElementType Type, int Size)[] Types =
    [
        ("<f4", TensorElementType.Float, 4),
        ("<i8", TensorElementType.Int64, 8),
        ("<i4", TensorElementType.Int32, 4),
        ("|u1", TensorElementType.UInt8, 1),
        ("|i1", TensorElementType.Int8, 1),
        ("|b1", TensorElementType.Bool, 1),
    ];

    public static string TypeName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Int64 => "int64",
        TensorElementType.Int32 => "int32",
        TensorElementType.UInt8 => "uint8",
        TensorElementType.Int8 => "int8",
        TensorElementType.Bool => "bool",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>The array in <paramref name="path"/>: its element type, shape and raw little-endian bytes.</summary>
    public static (TensorElementType Type, long[] Shape, byte[] Data) Read(string path)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageError($"cannot read '{path}': {e.Message}");
        }
        if (file.Length < 10 || !file.AsSpan(0, 6).SequenceEqual(Magic)) throw new UsageError($"'{path}' is not a NumPy .npy file");
        int headerLength, start;
        if (file[6] == 1) (headerLength, start) = (BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8)), 10);
        else if (file[6] is 2 or 3 && file.Length >= 12) (headerLength, start) = ((int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8))), 12);
        else throw new UsageError($"'{path}': .npy format version {file[6]} is not supported");
        if (headerLength > file.Length - start) throw new UsageError($"'{path}': the .npy header is cut short");
        var header = Encoding.Latin1.GetString(file, start, headerLength);

        var descr = Field(header, "descr", path).Trim('\'', '"');
        // One-byte types have no byte order; some writers still spell them '<u1'.
        if (descr is ['<' or '=', _, '1']) descr = "|" + descr[1..];
        var entry = Array.Find(Types, t => t.Descr == descr);
        if (entry.Descr is null)
            throw new UsageError($"'{path}': dtype '{descr}' is not supported (float32, int64, int32, uint8, int8 or bool, little-endian)");
        if (Field(header, "fortran_order", path) != "False")
            throw new UsageError($"'{path}' is in Fortran order; save it in C order (np.ascontiguousarray)");
        var shapeText = Field(header, "shape", path).Trim('(', ')');
        var shape = new List<long>();
        foreach (var part in shapeText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var dim))
                throw new UsageError($"'{path}': bad .npy shape ({shapeText})");
            shape.Add(dim);
        }

        var count = shape.Aggregate(1L, (a, b) => a * b);
        var offset = start + headerLength;
        if (count * entry.Size != file.Length - offset)
            throw new UsageError($"'{path}' holds {file.Length - offset} data bytes; its shape ({shapeText}) of {descr} needs {count * entry.Size}");
        return (entry.Type, [.. shape], file[offset..]);
    }

    /// <summary>Writes a tensor output as .npy (format 1.0, header padded to 64 bytes as NumPy does).</summary>
    public static void Write(string path, OrtValue value, string name)
    {
        var info = value.GetTensorTypeAndShape();
        var type = info.ElementDataType;
        var entry = Array.Find(Types, t => t.Type == type);
        if (entry.Descr is null) throw new RunError($"output '{name}' is {TypeName(type)}; the runner writes float32, int64, int32, uint8, int8 and bool");
        var shape = info.Shape;
        var dims = shape.Length == 0 ? "()" : shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var text = $"{{'descr': '{entry.Descr}', 'fortran_order': False, 'shape': {dims}, }}";
        var padded = (text.Length + 11 + 63) / 64 * 64; // magic, version, length, text, '\n'
        text = text.PadRight(padded - 11) + "\n";

        using var stream = File.Create(path);
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)text.Length);
        stream.Write(length);
        stream.Write(Encoding.Latin1.GetBytes(text));
        stream.Write(value.GetTensorMutableRawData());
    }

    /// <summary>A new ORT tensor holding a copy of <paramref name="data"/>.</summary>
    public static OrtValue ToOrtValue(TensorElementType type, long[] shape, byte[] data)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, shape);
        data.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private static string Field(string header, string key, string path)
    {
        var at = header.IndexOf($"'{key}'", StringComparison.Ordinal);
        if (at < 0) throw new UsageError($"'{path}': the .npy header has no '{key}'");
        var colon = header.IndexOf(':', at);
        var rest = header.AsSpan(colon + 1).TrimStart();
        var end = rest.Length > 0 && rest[0] == '(' ? rest.IndexOf(')') + 1 : rest.IndexOfAny(',', '}');
        if (colon < 0 || end <= 0) throw new UsageError($"'{path}': bad .npy header: {header.Trim()}");
        return rest[..end].Trim().ToString();
    }
}
