using EdgeOpt.Data;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Data;

public sealed class IdxAndRandomSourceTests
{
    private static string TestImages => Path.Combine(Fixtures.FashionMnist, "t10k-images-idx3-ubyte.gz");
    private static string TestLabels => Path.Combine(Fixtures.FashionMnist, "t10k-labels-idx1-ubyte.gz");

    [Fact]
    public void Idx_images_are_pixels_over_255_in_the_model_shape()
    {
        var model = DataTestKit.Model(DataType.Float, Dim.Symbolic("N"), 1, 28, 28);
        var reference = IdxDataset.Load(TestImages, TestLabels);

        var source = SampleSources.Open(TestImages, model);

        source.CheckFits(model);
        Assert.Equal(10_000, source.Count);
        var tensor = source.Read(123)["x"];
        Assert.Equal([1L, 1, 28, 28], tensor.Dims);
        var expected = reference.Image(123).ToArray().Select(p => p / 255f);
        Assert.Equal(expected, tensor.ToSingleArray());
        Assert.Contains("10000 IDX images of 28x28", source.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Idx_images_also_feed_flat_inputs()
    {
        var model = DataTestKit.Model(DataType.Float, 1, 784);

        var tensor = SampleSources.Open(TestImages, model).Read(0)["x"];

        Assert.Equal([1L, 784], tensor.Dims);
        Assert.InRange(tensor.ToSingleArray().Max(), 0.5f, 1f);
    }

    [Fact]
    public void Idx_images_that_do_not_fit_the_input_say_both_sizes()
    {
        var error = Assert.Throws<DataFormatException>(() => SampleSources.Open(TestImages, DataTestKit.Model(DataType.Float, 1, 1, 32, 32)));

        Assert.Contains("t10k-images-idx3-ubyte.gz", error.Message, StringComparison.Ordinal);
        Assert.Contains("28x28", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1,1,32,32]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_idx_file_is_named()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("bad-images-idx3-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1]);

        var error = Assert.Throws<DataFormatException>(() => SampleSources.Open(dir.File("bad-images-idx3-ubyte"), DataTestKit.Model(DataType.Float, 1, 1, 28, 28)));

        Assert.Contains("bad-images-idx3-ubyte", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_is_reproducible_and_not_representative()
    {
        var model = DataTestKit.Model(DataType.Float, Dim.Symbolic("N"), 3, 4, 4);

        var source = SampleSources.Open("random:5", model, new SampleSourceOptions { Seed = 7 });
        var again = SampleSources.Open("random:5", model, new SampleSourceOptions { Seed = 7 });
        var byDefault = SampleSources.Open("random", model, new SampleSourceOptions { RandomSamples = 9 });

        Assert.False(source.IsRepresentative);
        Assert.Equal(5, source.Count);
        Assert.Equal(9, byDefault.Count);
        Assert.Equal(32, SampleSources.Open("random", model).Count);
        source.CheckFits(model);
        Assert.Equal(source.Read(3)["x"].ToSingleArray(), again.Read(3)["x"].ToSingleArray());
        Assert.Equal(InputGenerator.Random(model, 7 + 3)["x"].ToSingleArray(), source.Read(3)["x"].ToSingleArray());
        Assert.NotEqual(source.Read(2)["x"].ToSingleArray(), source.Read(3)["x"].ToSingleArray());
        Assert.Equal("random (5 samples, NOT representative)", source.Description);
    }

    [Theory]
    [InlineData("random:")]
    [InlineData("random:0")]
    [InlineData("random:ten")]
    public void Bad_random_counts_are_usage_errors(string spec)
    {
        var error = Assert.Throws<UsageException>(() => SampleSources.Open(spec, DataTestKit.Model(DataType.Float, 1, 2)));

        Assert.Contains($"'{spec}'", error.Message, StringComparison.Ordinal);
    }
}
