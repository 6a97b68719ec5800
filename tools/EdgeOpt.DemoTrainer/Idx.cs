using System.Buffers.Binary;
using System.IO.Compression;

namespace EdgeOpt.DemoTrainer;

/// <summary>Images (uint8, row-major [count, rows, cols]) and labels of an IDX data set.</summary>
internal sealed record IdxDataSet(byte[] Pixels, byte[] Labels, int Count, int Rows, int Cols)
{
    public int ImageSize => Rows * Cols;

    /// <summary>Returns the images and labels at <paramref name="indices"/>, in that order.</summary>
    public IdxDataSet Select(IReadOnlyList<int> indices)
    {
        var pixels = new byte[indices.Count * ImageSize];
        var labels = new byte[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            Array.Copy(Pixels, (long)indices[i] * ImageSize, pixels, (long)i * ImageSize, ImageSize);
            labels[i] = Labels[indices[i]];
        }

        return new IdxDataSet(pixels, labels, indices.Count, Rows, Cols);
    }
}

/// <summary>Reads and writes the gzipped IDX files of MNIST / Fashion-MNIST (big-endian headers).</summary>
internal static class Idx
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    public static IdxDataSet Load(string imagesPath, string labelsPath)
    {
        var images = ReadAll(imagesPath);
        var labels = ReadAll(labelsPath);
        var magic = BinaryPrimitives.ReadInt32BigEndian(images);
        if (magic != ImagesMagic)
        {
            throw new InvalidDataException($"{imagesPath}: IDX magic 0x{magic:X8}, expected 0x{ImagesMagic:X8} (uint8, 3 dims).");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(8));
        var cols = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(12));
        if (images.Length != 16 + ((long)count * rows * cols))
        {
            throw new InvalidDataException($"{imagesPath}: {images.Length} bytes, expected {16 + ((long)count * rows * cols)} for {count}x{rows}x{cols}.");
        }

        magic = BinaryPrimitives.ReadInt32BigEndian(labels);
        if (magic != LabelsMagic)
        {
            throw new InvalidDataException($"{labelsPath}: IDX magic 0x{magic:X8}, expected 0x{LabelsMagic:X8} (uint8, 1 dim).");
        }

        var labelCount = BinaryPrimitives.ReadInt32BigEndian(labels.AsSpan(4));
        if (labelCount != count || labels.Length != 8 + count)
        {
            throw new InvalidDataException($"{labelsPath}: {labelCount} labels for {count} images in {imagesPath}.");
        }

        return new IdxDataSet(images[16..], labels[8..], count, rows, cols);
    }

    /// <summary>Writes images and labels as two gzipped IDX files (gzip header has mtime 0, so output is reproducible).</summary>
    public static void Save(IdxDataSet data, string imagesPath, string labelsPath)
    {
        var images = new byte[16 + data.Pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(images, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), data.Count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), data.Rows);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), data.Cols);
        data.Pixels.CopyTo(images, 16);
        WriteGzipAtomically(imagesPath, images);

        var labels = new byte[8 + data.Labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(labels, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), data.Count);
        data.Labels.CopyTo(labels, 8);
        WriteGzipAtomically(labelsPath, labels);
    }

    private static byte[] ReadAll(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static void WriteGzipAtomically(string path, byte[] content)
    {
        var temp = path + ".tmp";
        using (var file = File.Create(temp))
        using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
        {
            gzip.Write(content);
        }

        File.Move(temp, path, overwrite: true);
    }
}
