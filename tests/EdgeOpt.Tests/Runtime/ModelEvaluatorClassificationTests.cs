using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Runtime;

public class ModelEvaluatorClassificationTests
{
    // Ten 1x10 "images" whose pixel c is the score of class c; image i ranks class (9 - i) mod 10 first.
    // The labels sit at these ranks, so top-1 = 4/10 and top-5 = 7/10 exactly.
    private static readonly int[] LabelRanks = [0, 0, 0, 0, 1, 2, 4, 5, 7, 9];

    private static LabelledImages RankedImages()
    {
        var pixels = new byte[10 * 10];
        var labels = new byte[10];
        for (var i = 0; i < 10; i++)
        {
            for (var c = 0; c < 10; c++) pixels[(i * 10) + c] = (byte)((((c + i) % 10) + 1) * 20);
            labels[i] = (byte)(((9 - LabelRanks[i] - i) % 10 + 10) % 10);
        }
        return new LabelledImages(pixels, labels, rows: 1, cols: 10, source: "ranked");
    }

    // Scores = Flatten(image): the model's output is the scaled pixels themselves.
    private static Model FlattenModel(Dim batch)
    {
        var b = new GraphBuilder("flatten", opset: 17);
        var x = b.Input("x", DataType.Float, batch, 1, 1, 10);
        b.Output(b.Op("Flatten", [x], ("axis", 1L)), "scores");
        return b.Build();
    }

    [Theory]
    [InlineData(null, 64, 64, 1)]
    [InlineData(null, 3, 3, 4)]
    [InlineData(1L, 64, 1, 10)]
    [InlineData(4L, 64, 4, 3)]
    public void Counts_top1_and_top5_and_respects_the_batch_dimension(long? fixedBatch, int optionBatch, int expectedBatch, int expectedRuns)
    {
        using var session = SessionFactory.Create(FlattenModel(fixedBatch is { } n ? Dim.Of(n) : Dim.Symbolic("N")));
        var reported = new List<int>();

        var result = ModelEvaluator.Evaluate(session, RankedImages(), new ClassificationOptions { BatchSize = optionBatch },
            new Recorder(reported));

        Assert.Equal(10, result.Samples);
        Assert.Equal(10, result.Classes);
        Assert.Equal(0.4, result.Top1, precision: 12);
        Assert.Equal(0.7, result.Top5!.Value, precision: 12);
        Assert.Equal(expectedBatch, result.BatchSize);
        Assert.Equal(expectedRuns, result.Batches);
        Assert.Equal(("x", "scores"), (result.InputName, result.OutputName));
        Assert.True(result.MeanBatchLatencyMs > 0, "latency is measured");
        Assert.Equal(result.MeanBatchLatencyMs * result.Batches, result.MeanItemLatencyMs * result.Samples, 1e-9);
        Assert.Equal(HostDescription.Current, result.MeasuredOn);
        Assert.Equal(expectedRuns, reported.Count);
        Assert.Equal(reported.Order(), reported);
        Assert.Equal(10, reported[^1]);
    }

    [Fact]
    public void Feeds_flat_inputs_and_leaves_top5_empty_for_five_classes()
    {
        var b = new GraphBuilder("identity");
        b.Output(b.Op("Identity", [b.Input("pixels", DataType.Float, Dim.Symbolic("N"), 5)]), "probs");
        using var session = SessionFactory.Create(b.Build());
        var data = new LabelledImages([10, 20, 30, 40, 50, 50, 40, 30, 20, 10], [4, 1], rows: 1, cols: 5);

        var result = ModelEvaluator.Evaluate(session, data);

        Assert.Equal(0.5, result.Top1, precision: 12);
        Assert.Null(result.Top5);
        Assert.Equal(5, result.Classes);
    }

    [Fact]
    public void Scales_pixels_before_feeding()
    {
        // Scores = x - 0.5: with a scale of -1/255 the darkest pixel wins instead of the brightest.
        var b = new GraphBuilder("shift");
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 6);
        b.Output(b.Op("Sub", [x, b.Initializer("half", [0.5f])]), "y");
        using var session = SessionFactory.Create(b.Build());
        var data = new LabelledImages([9, 1, 5, 7, 3, 8], [1], rows: 1, cols: 6);

        Assert.Equal(0.0, ModelEvaluator.Evaluate(session, data).Top1);
        Assert.Equal(1.0, ModelEvaluator.Evaluate(session, data, new ClassificationOptions { PixelScale = -1f / 255f }).Top1);
    }

    [Fact]
    public void Names_the_input_when_the_images_do_not_fit()
    {
        var b = new GraphBuilder("rgb");
        b.Output(b.Op("Identity", [b.Input("image", DataType.Float, Dim.Symbolic("N"), 3, 28, 28)]), "y");
        using var session = SessionFactory.Create(b.Build());

        var e = Assert.Throws<UsageException>(() => ModelEvaluator.Evaluate(session, RankedImages()));
        Assert.Contains("input 'image' is Float [N,3,28,28]", e.Message, StringComparison.Ordinal);
        Assert.Contains("1x10 grayscale images", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_a_label_outside_the_classes()
    {
        using var session = SessionFactory.Create(FlattenModel(Dim.Symbolic("N")));
        var data = new LabelledImages(new byte[20], [3, 12], rows: 1, cols: 10, source: "bad-labels");

        var e = Assert.Throws<DataFormatException>(() => ModelEvaluator.Evaluate(session, data));
        Assert.Equal("bad-labels: label 12 of image 1 is not one of the 10 classes of output 'scores'", e.Message);
    }

    [Fact]
    public void Rejects_an_unknown_input_name()
    {
        using var session = SessionFactory.Create(FlattenModel(Dim.Symbolic("N")));
        var e = Assert.Throws<UsageException>(() =>
            ModelEvaluator.Evaluate(session, RankedImages(), new ClassificationOptions { InputName = "pixels" }));
        Assert.Equal("the model has no input 'pixels' (inputs: x)", e.Message);
    }

    private sealed class Recorder(List<int> values) : IProgress<int>
    {
        public void Report(int value) => values.Add(value);
    }
}
