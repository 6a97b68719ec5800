using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>
/// NumPy <c>.npy</c> arrays (format 1.0-3.0): little-endian, C order; float32, float64 (read as float32), float16,
/// int64, int32, int8, uint8 and bool. The header is read alone so a file's shape is known without its payload.
/// </summary>
internal sealed partial record NpyFile(string File, string Descr, DataType Type, long[] Dims, long DataOffset)
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public long ElementCount => Dims.Aggregate(1L, (a, b) => a * b);

    private int StoredBytes => Descr[^1] - '0';

    /// <summary>Reads the header from <paramref name="stream"/> (positioned at the array's start).</summary>
    /// <exception cref="DataFormatException">Not an .npy, or a dtype/order this reader does not take (names the file).</exception>
    public static NpyFile ReadHeader(Stream stream, string file)
    {
        Span<byte> prefix = stackalloc byte[12];
        var read = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (read < 10 || !prefix[..6].SequenceEqual(Magic))
            throw new DataFormatException($"{file}: not a NumPy .npy file (no \\x93NUMPY magic)");
        var major = prefix[6];
        int headerLength, prefixLength;
        if (major == 1) (headerLength, prefixLength) = (BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]), 10);
        else if (major is 2 or 3 && read == 12) (headerLength, prefixLength) = (checked((int)BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..])), 12);
        else throw new DataFormatException($"{file}: unsupported .npy format version {major}");
        if (headerLength > 1 << 20) throw new DataFormatException($"{file}: .npy header of {headerLength} bytes is implausibly large");

        var header = new byte[headerLength];
        var already = read - prefixLength;
        prefix[prefixLength..read].CopyTo(header);
        if (stream.ReadAtLeast(header.AsSpan(already), headerLength - already, throwOnEndOfStream: false) < headerLength - already)
            throw new DataFormatException($"{file}: .npy header is cut short");
        var text = Encoding.Latin1.GetString(header);

        var descr = DescrPattern().Match(text);
        var order = OrderPattern().Match(text);
        var shape = ShapePattern().Match(text);
        if (!descr.Success || !order.Success || !shape.Success)
            throw new DataFormatException($"{file}: bad .npy header (expected 'descr', 'fortran_order' and 'shape'): {text.Trim()}");
        if (order.Groups[1].Value == "True")
            throw new DataFormatException($"{file}: .npy array is in Fortran order; save it in C order (np.ascontiguousarray)");
        var dtype = descr.Groups[1].Value;
        var type = dtype switch
        {
            "<f4" => DataType.Float,
            "<f8" => DataType.Float, // read as float32: models take float32 and calibration needs no more
            "<f2" => DataType.Float16,
            "<i8" => DataType.Int64,
            "<i4" => DataType.Int32,
            "|i1" => DataType.Int8,
            "|u1" => DataType.UInt8,
            "|b1" => DataType.Bool,
            _ => throw new DataFormatException(
                $"{file}: .npy dtype '{dtype}' is not supported (float32, float64, float16, int64, int32, int8, uint8 or bool, little-endian)"),
        };
        var dims = new List<long>();
        foreach (var part in shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var d))
                throw new DataFormatException($"{file}: bad .npy shape '({shape.Groups[1].Value})'");
            dims.Add(d);
        }
        return new NpyFile(file, dtype, type, [.. dims], prefixLength + headerLength);
    }

    /// <summary>
    /// Reads <paramref name="dims"/>' worth of elements starting at element <paramref name="first"/> from a seekable
    /// <paramref name="stream"/> holding the whole file.
    /// </summary>
    public Tensor Read(Stream stream, string name, long first, long[] dims)
    {
        var count = dims.Aggregate(1L, (a, b) => a * b);
        if (first + count > ElementCount) throw new DataFormatException($"{File}: reading past the {ElementCount} elements of the array");
        var bytes = new byte[checked((int)(count * StoredBytes))];
        stream.Position = DataOffset + (first * StoredBytes);
        if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
            throw new DataFormatException($"{File}: .npy data is cut short (the header's shape [{string.Join(",", Dims)}] needs {ElementCount * StoredBytes} bytes)");
        if (Descr == "<f8")
        {
            var doubles = MemoryMarshal.Cast<byte, double>(bytes);
            var floats = new float[doubles.Length];
            for (var i = 0; i < floats.Length; i++) floats[i] = (float)doubles[i];
            return Tensor.Create<float>(name, floats, dims);
        }
        return Tensor.FromRaw(name, Type, dims, bytes);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex OrderPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
