using System.Runtime.InteropServices;
using EdgeOpt.Data;

namespace EdgeOpt.Tests.Data;

public sealed class LabelFileTests
{
    [Fact]
    public void Text_labels_are_one_integer_per_line_ignoring_blank_lines()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("labels.txt"), "3\n1\n\n 4 \r\n1\n");

        Assert.Equal([3, 1, 4, 1], LabelFile.Load(dir.File("labels.txt")));
    }

    [Fact]
    public void Bad_text_line_names_file_and_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("labels.csv"), "3\n\ncat\n");

        var error = Assert.Throws<DataFormatException>(() => LabelFile.Load(dir.File("labels.csv")));

        Assert.Contains($"{dir.File("labels.csv")}:3: 'cat'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Integer_npy_labels_load()
    {
        using var dir = new TempDir();
        long[] labels = [0, 9, 2, 5];
        DataTestKit.WriteNpy(dir.File("labels.npy"), "<i8", [4], MemoryMarshal.AsBytes(labels.AsSpan()));
        byte[] small = [1, 2, 3];
        DataTestKit.WriteNpy(dir.File("small.npy"), "|u1", [3], small);

        Assert.Equal([0, 9, 2, 5], LabelFile.Load(dir.File("labels.npy")));
        Assert.Equal([1, 2, 3], LabelFile.Load(dir.File("small.npy")));
    }

    [Fact]
    public void Float_npy_labels_are_rejected()
    {
        using var dir = new TempDir();
        DataTestKit.WriteNpy(dir.File("probs.npy"), [0.5f, 0.5f], 2);

        var error = Assert.Throws<DataFormatException>(() => LabelFile.Load(dir.File("probs.npy")));

        Assert.Contains("probs.npy", error.Message, StringComparison.Ordinal);
        Assert.Contains("integer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Idx_labels_load_from_fashion_mnist()
    {
        var images = Path.Combine(Fixtures.FashionMnist, "t10k-images-idx3-ubyte.gz");
        var labels = Path.Combine(Fixtures.FashionMnist, "t10k-labels-idx1-ubyte.gz");

        var loaded = LabelFile.Load(labels);

        Assert.Equal(10_000, loaded.Length);
        Assert.Equal(IdxDataset.Load(images, labels).Labels.ToArray().Select(b => (int)b), loaded);
        Assert.Equal(10, loaded.Distinct().Count());
    }

    [Fact]
    public void Missing_or_empty_label_files_are_named()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("empty.txt"), "\n\n");

        Assert.Contains("nope.txt", Assert.Throws<FileNotFoundException>(() => LabelFile.Load(dir.File("nope.txt"))).Message, StringComparison.Ordinal);
        Assert.Contains("empty.txt: no labels", Assert.Throws<DataFormatException>(() => LabelFile.Load(dir.File("empty.txt"))).Message, StringComparison.Ordinal);
    }
}
