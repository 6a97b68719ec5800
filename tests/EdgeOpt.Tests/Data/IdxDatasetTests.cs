using System.Buffers.Binary;
using System.IO.Compression;
using EdgeOpt.Data;

namespace EdgeOpt.Tests.Data;

public class IdxDatasetTests
{
    private static string FashionFile(string name) => Path.Combine(Fixtures.FashionMnist, name);

    [Fact]
    public void Loads_the_fashion_mnist_test_split()
    {
        var data = IdxDataset.Load(FashionFile("t10k-images-idx3-ubyte.gz"), FashionFile("t10k-labels-idx1-ubyte.gz"));

        Assert.Equal(10_000, data.Count);
        Assert.Equal((28, 28), (data.Rows, data.Cols));
        Assert.Equal(10_000 * 784, data.Pixels.Length);
        Assert.Equal([9, 2, 1, 1, 6], data.Labels[..5].ToArray());
        Assert.Equal(33_456, data.Image(0).ToArray().Sum(b => b));
        var perClass = data.Labels.ToArray().GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, perClass.Count);
        Assert.All(perClass.Values, n => Assert.Equal(1_000, n));
    }

    [Fact]
    public void Loads_the_fashion_mnist_training_split()
    {
        var data = IdxDataset.Load(FashionFile("train-images-idx3-ubyte.gz"), FashionFile("train-labels-idx1-ubyte.gz"));

        Assert.Equal(60_000, data.Count);
        Assert.Equal(9, data.Label(0));
        Assert.Equal(0, data.Label(1));
    }

    [Fact]
    public void Reads_uncompressed_streams_and_takes_a_prefix()
    {
        byte[] pixels = [.. Enumerable.Range(0, 3 * 2 * 2).Select(i => (byte)i)];
        var data = IdxDataset.Read(new MemoryStream(Images(3, 2, 2, pixels)), new MemoryStream(Labels([4, 5, 6])));

        Assert.Equal(3, data.Count);
        Assert.Equal([4, 5, 6, 7], data.Image(1).ToArray());
        Assert.Equal(6, data.Label(2));
        var first = data.Take(2);
        Assert.Equal(2, first.Count);
        Assert.Equal(pixels[..8], first.Pixels.ToArray());
    }

    [Fact]
    public void Rejects_a_label_file_given_as_images()
    {
        var e = Assert.Throws<DataFormatException>(() =>
            IdxDataset.Read(new MemoryStream(Gzip(Labels([1, 2]))), new MemoryStream(Labels([1, 2])), "a.gz", "b.gz"));
        Assert.Contains("a.gz", e.Message, StringComparison.Ordinal);
        Assert.Contains("magic 0x00000801, expected 0x00000803", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_truncated_image_file()
    {
        var images = Images(2, 2, 2, new byte[8])[..^3];
        var e = Assert.Throws<DataFormatException>(() =>
            IdxDataset.Read(new MemoryStream(images), new MemoryStream(Labels([0, 1])), "short.idx", "labels.idx"));
        Assert.Contains("short.idx: 21 bytes, but the header's 2 images of 2x2 need 24", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_labels_that_do_not_match_the_images()
    {
        var e = Assert.Throws<DataFormatException>(() =>
            IdxDataset.Read(new MemoryStream(Images(2, 1, 1, [0, 0])), new MemoryStream(Labels([0, 1, 2])), "img", "lbl"));
        Assert.Equal("lbl: 3 labels, but img holds 2 images", e.Message);
    }

    [Fact]
    public void Rejects_corrupt_gzip_data()
    {
        var gz = Gzip(Images(4, 8, 8, new byte[256]));
        for (var i = 10; i < gz.Length - 8; i++) gz[i] ^= 0x5a;
        var e = Assert.Throws<DataFormatException>(() =>
            IdxDataset.Read(new MemoryStream(gz), new MemoryStream(Labels([0, 1, 2, 3])), "broken.gz", "labels"));
        Assert.StartsWith("broken.gz: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_a_missing_file()
    {
        using var dir = new TempDir();
        var missing = dir.File("nope-images.gz");
        var e = Assert.Throws<FileNotFoundException>(() => IdxDataset.Load(missing, FashionFile("t10k-labels-idx1-ubyte.gz")));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    internal static byte[] Images(int count, int rows, int cols, byte[] pixels)
    {
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        pixels.CopyTo(bytes, 16);
        return bytes;
    }

    internal static byte[] Labels(byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    private static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(content);
        return buffer.ToArray();
    }
}
