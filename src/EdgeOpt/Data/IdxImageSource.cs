using System.Buffers.Binary;
using System.IO.Compression;
using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>
/// Samples from an MNIST-style IDX images file (<c>*-idx3-ubyte</c>, optionally gzipped): pixels / 255 as float32,
/// shaped as the model input (free dims 1), e.g. <c>[1,1,28,28]</c> or <c>[1,784]</c>. Opening reads the 16-byte
/// header; the pixels are loaded once on the first read.
/// </summary>
internal static class IdxImageSource
{
    public static ISampleSource Open(string file, Value input, string description)
    {
        var (count, rows, cols) = ReadHeader(file);
        if (count == 0) throw new DataFormatException($"{file}: the IDX file holds no images");
        if (input.Type is not TensorType { Shape: { } shape })
            throw new UsageException($"model input '{input.Name}' has no known shape; IDX images need one to be laid out");
        var dims = shape.Select(d => d.Value ?? 1).ToArray();
        var elements = dims.Aggregate(1L, (a, b) => a * b);
        if (elements != (long)rows * cols)
            throw new DataFormatException(
                $"{file}: images are {rows}x{cols} ({rows * cols} pixels) but the model input '{input.Name}' [{string.Join(",", shape)}] takes {elements} values");

        var pixels = new Lazy<byte[]>(() => IdxDataset.LoadImages(file).Pixels, LazyThreadSafetyMode.ExecutionAndPublication);
        IReadOnlyDictionary<string, Tensor> Read(int i)
        {
            var image = pixels.Value.AsSpan(i * rows * cols, rows * cols);
            var values = new float[image.Length];
            for (var p = 0; p < values.Length; p++) values[p] = image[p] / 255f;
            return new Dictionary<string, Tensor>(StringComparer.Ordinal) { [input.Name] = Tensor.Create<float>(input.Name, values, dims) };
        }
        return new LazySampleSource($"{description} ({count} IDX images of {rows}x{cols}, /255)", count, Read);
    }

    private static (int Count, int Rows, int Cols) ReadHeader(string file)
    {
        using var raw = File.OpenRead(file);
        Span<byte> magic = stackalloc byte[2];
        var gzip = raw.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        raw.Position = 0;
        using Stream stream = gzip ? new GZipStream(raw, CompressionMode.Decompress) : raw;
        Span<byte> header = stackalloc byte[16];
        int read;
        try
        {
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{file}: corrupt gzip data ({e.Message})", e);
        }
        if (read < 16 || BinaryPrimitives.ReadInt32BigEndian(header) != 0x00000803)
            throw new DataFormatException($"{file}: not an IDX images file (expected magic 0x00000803 and a 16-byte header)");
        var count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        var rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        var cols = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (count < 0 || rows <= 0 || cols <= 0) throw new DataFormatException($"{file}: bad IDX header ({count} images of {rows}x{cols})");
        return (count, rows, cols);
    }
}
