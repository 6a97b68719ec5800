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
    /// <summary>The largest header this reader takes (NumPy's own are under 64 KiB; 2.0 allows up to 4 GiB).</summary>
    public const int MaxHeaderBytes = 1 << 20;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public long ElementCount => Dims.Aggregate(1L, (a, b) => a * b);

    private int StoredBytes => Descr[^1] - '0';

    /// <summary>The size of the whole file the header describes: header plus every element (the header checked it fits 64 bits).</summary>
    public long FileBytes => DataOffset + (ElementCount * StoredBytes);

    /// <summary>Reads the header from <paramref name="stream"/> (positioned at the array's start).</summary>
    /// <exception cref="DataFormatException">Not an .npy, or a dtype/order this reader does not take (names the file).</exception>
    public static NpyFile ReadHeader(Stream stream, string file)
    {
        Span<byte> prefix = stackalloc byte[12];
        var read = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (read < 10 || !prefix[..6].SequenceEqual(Magic))
            throw new DataFormatException($"{file}: not a NumPy .npy file (no \\x93NUMPY magic)");
        var major = prefix[6];
        uint declared;
        int prefixLength;
        if (major == 1) (declared, prefixLength) = (BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]), 10);
        else if (major is 2 or 3 && read == 12) (declared, prefixLength) = (BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]), 12);
        else throw new DataFormatException($"{file}: unsupported .npy format version {major}");
        if (declared > MaxHeaderBytes) throw new DataFormatException($"{file}: .npy header of {declared} bytes is implausibly large (at most {MaxHeaderBytes})");
        var headerLength = (int)declared;

        var header = new byte[headerLength];
        // A header shorter than the bytes already read (a 2.0 file with a header of 0 or 1 byte) takes only its share.
        var already = Math.Min(read - prefixLength, headerLength);
        prefix.Slice(prefixLength, already).CopyTo(header);
        if (stream.ReadAtLeast(header.AsSpan(already), headerLength - already, throwOnEndOfStream: false) < headerLength - already)
            throw new DataFormatException($"{file}: .npy header is cut short");
        var text = Encoding.Latin1.GetString(header);

        var descr = DescrPattern().Match(text);
        var order = OrderPattern().Match(text);
        var shape = ShapePattern().Match(text);
        if (!descr.Success || !order.Success || !shape.Success)
            throw new DataFormatException($"{file}: bad .npy header (expected 'descr', 'fortran_order' and 'shape'): {FileText.Show(text.Trim())}");
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
                $"{file}: .npy dtype '{FileText.Show(dtype)}' is not supported (float32, float64, float16, int64, int32, int8, uint8 or bool, little-endian)"),
        };
        var dims = new List<long>();
        var bytes = (long)(dtype[^1] - '0');
        foreach (var part in shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var d))
                throw new DataFormatException($"{file}: bad .npy shape '({FileText.Show(shape.Groups[1].Value)})'");
            dims.Add(d);
            // The payload size must be a byte count: refuse shapes whose element count overflows rather than wrap around.
            if (d > 0 && bytes > (long.MaxValue - (1L << 32)) / d)
                throw new DataFormatException($"{file}: .npy shape ({FileText.Show(shape.Groups[1].Value)}) overflows a 64-bit byte count");
            bytes *= d;
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
        if (first < 0 || count < 0 || first > ElementCount - count) throw new DataFormatException($"{File}: reading past the {ElementCount} elements of the array");
        var length = count * StoredBytes;
        var start = DataOffset + (first * StoredBytes);
        // Checked before allocating: a few bytes of header must not make the reader allocate what the shape claims.
        if (stream.CanSeek && start + length > stream.Length)
            throw new DataFormatException($"{File}: .npy data is cut short (the header's shape [{string.Join(",", Dims)}] needs {ElementCount * StoredBytes} bytes after the header; the file has {Math.Max(0, stream.Length - DataOffset)})");
        if (length > Array.MaxLength)
            throw new DataFormatException($"{File}: a sample of {length} bytes is too large to read at once (at most {Array.MaxLength}); save fewer values per sample");
        var bytes = new byte[length];
        stream.Position = start;
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
