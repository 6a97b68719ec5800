using System.Buffers.Binary;
using System.Text;

namespace EdgeOpt.Onnx.Serialization;

/// <summary>
/// Recognizes common non-ONNX model files (PyTorch checkpoints, Keras, TensorFlow SavedModels and frozen graphs, ...)
/// by name, first bytes and, for zips, entry names, so the error says what the file is and which exporter makes ONNX
/// of it. Nothing is unpickled, extracted or loaded: zip entry names come from the central directory (or the local
/// headers) alone.
/// </summary>
internal static class FormatSniffer
{
    private const string TorchExport = "export ONNX with torch.onnx.export(model, torch.randn(1, 3, 224, 224), \"model.onnx\") (an example input of the model's input shape)";

    // A u8 literal would encode U+0089 as two UTF-8 bytes; the signature's first byte is 0x89 itself.
    private static ReadOnlySpan<byte> Hdf5Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    /// <summary>Zips with more entries than this are described by the first ones (a checkpoint has a few hundred).</summary>
    private const int MaxZipEntries = 4096;

    /// <summary>A model path: a SavedModel (folder or saved_model.pb by name), then the file's first bytes and, for a zip, its entry names.</summary>
    public static string? DescribeFile(string path, ReadOnlySpan<byte> head)
    {
        var fileName = Path.GetFileName(path);
        if (IsSavedModelName(fileName)) return SavedModel(fileName, Path.GetDirectoryName(Path.GetFullPath(path)));
        if (!IsZip(head)) return DescribeModelHead(head, fileName);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return DescribeZip(ZipEntryNames(stream.Length, (offset, buffer) =>
        {
            stream.Position = offset;
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }), fileName);
    }

    /// <summary>A model held in memory under <paramref name="name"/>: like <see cref="DescribeFile"/>, the whole bytes at hand.</summary>
    public static string? DescribeBytes(ReadOnlyMemory<byte> bytes, string name)
    {
        if (IsSavedModelName(Path.GetFileName(name))) return SavedModel(name, null);
        if (!IsZip(bytes.Span)) return DescribeModelHead(bytes.Span[..Math.Min(64, bytes.Length)], name);
        return DescribeZip(ZipEntryNames(bytes.Length, (offset, buffer) =>
        {
            var available = (int)Math.Min(buffer.Length, bytes.Length - offset);
            bytes.Span.Slice((int)offset, available).CopyTo(buffer);
            return available;
        }), name);
    }

    /// <summary>A folder given as the model: a TensorFlow SavedModel when it holds saved_model.pb(txt).</summary>
    public static string? DescribeFolder(string path) =>
        File.Exists(Path.Combine(path, "saved_model.pb")) || File.Exists(Path.Combine(path, "saved_model.pbtxt"))
            ? SavedModel($"'{path}'", Path.GetFullPath(path))
            : null;

    /// <summary>From the first bytes only (a zip is described by its first entry's name, when that fits).</summary>
    public static string? Describe(ReadOnlySpan<byte> head, string fileName)
    {
        if (head.Length >= 8 && head.Slice(4, 4).SequenceEqual("TFL3"u8))
            return $"{fileName} is a TensorFlow Lite model (TFL3), not ONNX";
        if (IsZip(head))
            return DescribeZip(FirstLocalEntry(head) is { } first ? [first] : [], fileName);
        if (head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5)
            return $"{fileName} is a Python pickle (a PyTorch .pt/.pth checkpoint), not ONNX; it is never unpickled here — {TorchExport}";
        if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B)
            return $"{fileName} is gzip-compressed; decompress it first (gunzip)";
        var text = SkipWhitespace(head);
        if (text.Length > 0 && text[0] == (byte)'<')
        {
            var s = Encoding.ASCII.GetString(text[..Math.Min(text.Length, 64)]).ToLowerInvariant();
            if (s.StartsWith("<!doctype html", StringComparison.Ordinal) || s.StartsWith("<html", StringComparison.Ordinal) || s.StartsWith("<!--", StringComparison.Ordinal) || s.StartsWith("<head", StringComparison.Ordinal))
                return $"{fileName} is an HTML page, not ONNX (a failed download or a login page saved under the model's name?)";
            return $"{fileName} is an XML/HTML text file, not ONNX";
        }
        if (text.Length > 0 && text[0] == (byte)'{')
            return $"{fileName} is a JSON text file, not ONNX";
        if (head.Length >= 8 && head[..8].SequenceEqual(Hdf5Signature))
            return $"{fileName} is an HDF5 file (a Keras .h5 model), not ONNX; it is never loaded here — convert it with tf2onnx: python -m tf2onnx.convert --keras {fileName} --output model.onnx";
        return null;
    }

    /// <summary>A model's first bytes: <see cref="Describe"/>, plus TensorFlow GraphDefs (a tensor file may start like one).</summary>
    private static string? DescribeModelHead(ReadOnlySpan<byte> head, string fileName) =>
        Describe(head, fileName) ?? (IsGraphDef(head)
            ? $"{fileName} is a TensorFlow GraphDef (a frozen graph), not ONNX; convert it with tf2onnx: python -m tf2onnx.convert --graphdef {fileName} --inputs INPUT:0 --outputs OUTPUT:0 --output model.onnx"
            : null);

    private static bool IsSavedModelName(string fileName) => fileName is "saved_model.pb" or "saved_model.pbtxt";

    private static string SavedModel(string what, string? folder) =>
        $"{what} is a TensorFlow SavedModel, not ONNX; convert its folder with tf2onnx: python -m tf2onnx.convert --saved-model {folder ?? "SAVED_MODEL_DIR"} --output model.onnx";

    private static bool IsZip(ReadOnlySpan<byte> head) => head.Length >= 4 && head[..4].SequenceEqual("PK\u0003\u0004"u8);

    /// <summary>Keras 3 (.keras: config.json with metadata.json or model.weights.h5), PyTorch (data.pkl), or a zip of something else.</summary>
    private static string DescribeZip(IReadOnlyCollection<string> entries, string fileName)
    {
        if (entries.Contains("config.json") && (entries.Contains("model.weights.h5") || entries.Contains("metadata.json")))
            return $"{fileName} is a Keras model (.keras: a zip archive of config.json and model.weights.h5), not ONNX; it is never loaded here — convert it with tf2onnx: python -m tf2onnx.convert --keras {fileName} --output model.onnx (or model.export(\"saved_model\") in Keras, then --saved-model saved_model)";
        if (entries.Any(e => e.EndsWith("data.pkl", StringComparison.Ordinal) || e.EndsWith(".pkl", StringComparison.Ordinal) || e.EndsWith("/version", StringComparison.Ordinal)))
            return $"{fileName} is a PyTorch checkpoint (a zip archive holding pickled data), not ONNX; it is never unpickled here — {TorchExport}";
        return $"{fileName} is a zip archive (a PyTorch .pt/.pth checkpoint and a Keras .keras model are ones), not ONNX; it is never unpickled or extracted here — {TorchExport}, or convert Keras with tf2onnx";
    }

    /// <summary>
    /// The entry names of a zip, from its central directory (zip64 too), else by walking the local headers from the
    /// start; reads only headers, at most <see cref="MaxZipEntries"/> names, and gives what it found when the zip is broken.
    /// </summary>
    internal static IReadOnlyCollection<string> ZipEntryNames(long length, Func<long, byte[], int> read)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (CentralDirectory(length, read) is { } directory) ReadCentralDirectory(directory.Offset, directory.Size, length, read, names);
        if (names.Count == 0) ReadLocalHeaders(length, read, names);
        return names;
    }

    /// <summary>Where the central directory is, from the end-of-central-directory record (and its zip64 form).</summary>
    private static (long Offset, long Size)? CentralDirectory(long length, Func<long, byte[], int> read)
    {
        // The record is 22 bytes plus a comment of up to 65535, at the very end.
        var tailLength = (int)Math.Min(length, 22 + 65535 + 20);
        var tail = new byte[tailLength];
        var tailStart = length - tailLength;
        if (read(tailStart, tail) != tailLength) return null;
        for (var i = tailLength - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) != 0x06054B50) continue;
            long size = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i + 12));
            long offset = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i + 16));
            if ((offset == 0xFFFFFFFF || size == 0xFFFFFFFF) && i >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i - 20)) == 0x07064B50)
            {
                // Zip64: the locator before the record points at the zip64 end record, which holds the 64-bit fields.
                var record = new byte[56];
                var at = (long)BinaryPrimitives.ReadUInt64LittleEndian(tail.AsSpan(i - 12));
                if (at < 0 || at > length - 56 || read(at, record) != 56 || BinaryPrimitives.ReadUInt32LittleEndian(record) != 0x06064B50) return null;
                size = (long)BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(40));
                offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(48));
            }
            return offset >= 0 && size >= 0 && offset <= length && size <= length - offset ? (offset, size) : null;
        }
        return null;
    }

    private static void ReadCentralDirectory(long offset, long size, long length, Func<long, byte[], int> read, HashSet<string> names)
    {
        var directory = new byte[(int)Math.Min(size, 4 << 20)];
        if (read(offset, directory) != directory.Length) return;
        var at = 0;
        while (names.Count < MaxZipEntries && at + 46 <= directory.Length && BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(at)) == 0x02014B50)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(directory.AsSpan(at + 28));
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(directory.AsSpan(at + 30));
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(directory.AsSpan(at + 32));
            if (at + 46 + nameLength > directory.Length) break;
            names.Add(Encoding.UTF8.GetString(directory, at + 46, nameLength));
            at += 46 + nameLength + extraLength + commentLength;
        }
    }

    private static void ReadLocalHeaders(long length, Func<long, byte[], int> read, HashSet<string> names)
    {
        var header = new byte[30];
        long at = 0;
        while (names.Count < MaxZipEntries && at + 30 <= length && read(at, header) == 30 && BinaryPrimitives.ReadUInt32LittleEndian(header) == 0x04034B50)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(26));
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(28));
            var name = new byte[nameLength];
            if (read(at + 30, name) != nameLength) break;
            names.Add(Encoding.UTF8.GetString(name));
            // A data descriptor (flag bit 3) leaves the size unknown here: the walk stops at the first such entry.
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(6));
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(18));
            if ((flags & 8) != 0 || compressed == 0xFFFFFFFF) break;
            at += 30L + nameLength + extraLength + compressed;
        }
    }

    /// <summary>The first local header's entry name, when the head holds all of it.</summary>
    private static string? FirstLocalEntry(ReadOnlySpan<byte> head)
    {
        if (head.Length < 30) return null;
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(head[26..]);
        return 30 + nameLength <= head.Length ? Encoding.UTF8.GetString(head.Slice(30, nameLength)) : null;
    }

    /// <summary>
    /// A TensorFlow GraphDef: field 1 (node) length-delimited, its NodeDef starting with a printable name (field 1)
    /// and, when it fits, a CamelCase op (field 2). ONNX's ModelProto field 1 is the ir_version varint, so no ONNX
    /// model starts this way.
    /// </summary>
    private static bool IsGraphDef(ReadOnlySpan<byte> head)
    {
        if (head.Length < 4 || head[0] != 0x0A) return false;
        var at = 1;
        if (!TryVarint(head, ref at, out _) || at >= head.Length || head[at] != 0x0A) return false;
        at++;
        if (!TryVarint(head, ref at, out var nameLength) || nameLength == 0 || nameLength > 4096) return false;
        var end = at + (int)nameLength;
        foreach (var c in head[at..Math.Min(end, head.Length)])
            if (c is < 0x21 or > 0x7E) return false;
        if (end + 2 >= head.Length) return true;
        return head[end] == 0x12 && head[end + 1] > 0 && head[end + 2] is >= (byte)'A' and <= (byte)'Z';
    }

    private static bool TryVarint(ReadOnlySpan<byte> s, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && at < s.Length; shift += 7)
        {
            var b = s[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }

    private static ReadOnlySpan<byte> SkipWhitespace(ReadOnlySpan<byte> s)
    {
        if (s.Length >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) s = s[3..];
        var i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        return s[i..];
    }
}
