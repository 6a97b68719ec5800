using System.Buffers.Binary;
using System.IO.Compression;

namespace EdgeOpt.Data;

/// <summary>
/// Reads MNIST-style IDX files (plain or gzipped): an image file (<c>uint8 [n, rows, cols]</c>, magic
/// <c>0x00000803</c>) and a label file (<c>uint8 [n]</c>, magic <c>0x00000801</c>). Malformed files raise a
/// <see cref="DataFormatException"/> naming the file and what was expected.
/// </summary>
public static class IdxDataset
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    /// <summary>Loads images and their labels from two files.</summary>
    public static LabelledImages Load(string imagesPath, string labelsPath)
    {
        using var images = OpenFile(imagesPath);
        using var labels = OpenFile(labelsPath);
        return Read(images, labels, imagesPath, labelsPath);
    }

    /// <summary>Reads images and their labels from two streams; the names identify them in errors.</summary>
    public static LabelledImages Read(Stream images, Stream labels, string imagesName = "images", string labelsName = "labels")
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        var (pixels, count, rows, cols) = ReadImages(ReadContent(images, imagesName), imagesName);
        var labelBytes = ReadLabels(ReadContent(labels, labelsName), labelsName);
        if (labelBytes.Length != count)
            throw new DataFormatException($"{labelsName}: {labelBytes.Length} labels, but {imagesName} holds {count} images");
        return new LabelledImages(pixels, labelBytes, rows, cols, $"{Path.GetFileName(imagesName)} + {Path.GetFileName(labelsName)}");
    }

    /// <summary>Loads an IDX labels file on its own (plain or gzipped).</summary>
    public static byte[] LoadLabels(string path)
    {
        using var labels = OpenFile(path);
        return ReadLabels(ReadContent(labels, path), path);
    }

    /// <summary>Loads an IDX images file on its own: pixels <c>[Count, Rows, Cols]</c>.</summary>
    internal static (byte[] Pixels, int Count, int Rows, int Cols) LoadImages(string path)
    {
        using var images = OpenFile(path);
        return ReadImages(ReadContent(images, path), path);
    }

    private static (byte[] Pixels, int Count, int Rows, int Cols) ReadImages(byte[] content, string name)
    {
        CheckHeader(content, name, ImagesMagic, "images (uint8, 3 dims)", headerBytes: 16);
        var count = ReadDim(content, 4, name, "image count");
        var rows = ReadDim(content, 8, name, "rows");
        var cols = ReadDim(content, 12, name, "columns");
        var expected = 16 + ((long)count * rows * cols);
        if (content.LongLength != expected)
            throw new DataFormatException($"{name}: {content.LongLength} bytes, but the header's {count} images of {rows}x{cols} need {expected}");
        return (content[16..], count, rows, cols);
    }

    private static byte[] ReadLabels(byte[] content, string name)
    {
        CheckHeader(content, name, LabelsMagic, "labels (uint8, 1 dim)", headerBytes: 8);
        var count = ReadDim(content, 4, name, "label count");
        if (content.LongLength != 8L + count)
            throw new DataFormatException($"{name}: {content.LongLength} bytes, but the header's {count} labels need {8L + count}");
        return content[8..];
    }

    private static void CheckHeader(byte[] content, string name, int magic, string what, int headerBytes)
    {
        if (content.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(content) is var actual && actual != magic)
            throw new DataFormatException($"{name}: not an IDX file of {what}: magic 0x{actual:X8}, expected 0x{magic:X8}");
        if (content.Length < headerBytes)
            throw new DataFormatException($"{name}: {content.Length} bytes is too short for an IDX {what} header ({headerBytes} bytes)");
    }

    private static int ReadDim(byte[] content, int offset, string name, string what)
    {
        var value = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(offset));
        if (value < 0) throw new DataFormatException($"{name}: negative {what} {value} in the IDX header");
        return value;
    }

    private static FileStream OpenFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"data file not found: {path}", path);
        return File.OpenRead(path);
    }

    // Whole-file reads: IDX sets are tens of megabytes at most, and decompressing up front gives exact length checks.
    private static byte[] ReadContent(Stream stream, string name)
    {
        using var raw = new MemoryStream();
        stream.CopyTo(raw);
        var bytes = raw.GetBuffer().AsSpan(0, (int)raw.Length);
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b) return bytes.ToArray();
        raw.Position = 0;
        try
        {
            using var gzip = new GZipStream(raw, CompressionMode.Decompress);
            using var content = new MemoryStream();
            gzip.CopyTo(content);
            return content.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{name}: corrupt gzip data ({e.Message})", e);
        }
    }
}
