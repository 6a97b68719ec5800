using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Quantization;

public class CalibrationTests(ITestOutputHelper output)
{
    /// <summary>x[n] → Identity → Relu → y: x and the Identity output see the data as fed, y its positive part.</summary>
    private static Model IdentityRelu()
    {
        var b = new GraphBuilder("identity_relu", 17);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("n"));
        var copy = b.Op("Identity", [x]);
        b.Graph.Nodes[^1].Outputs[0].Name = "copy";
        b.Output(b.Op("Relu", [copy]), "y");
        return b.Build();
    }

    private static Dictionary<string, Tensor> Feed(params float[] values) => new() { ["x"] = Tensor.Create<float>("x", values, values.Length) };

    private static IReadOnlyDictionary<string, Tensor>[] Samples(params float[][] batches) => batches.Select(Feed).ToArray();

    private static float[] Gaussian(int count, int seed) => DynamicQuantizerTests.Gaussian(count, seed, 1);

    [Fact]
    public void MinMax_is_the_exact_minimum_and_maximum_of_every_tensor_over_all_samples()
    {
        using var model = IdentityRelu();

        var result = Calibrator.Calibrate(model, Samples([-1.5f, 0.25f, 2f], [3.75f, -0.5f], [-4.125f, 1f]), new CalibrationOptions());

        Assert.Equal(3, result.Samples);
        Assert.Equal(CalibrationMethod.MinMax, result.Method);
        Assert.Equal(["copy", "x", "y"], result.Ranges.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new(-4.125f, 3.75f), result.Ranges["x"]);
        Assert.Equal(new(-4.125f, 3.75f), result.Ranges["copy"]);
        Assert.Equal(new(0f, 3.75f), result.Ranges["y"]);
    }

    [Fact]
    public void MinMax_ignores_nan_and_infinities()
    {
        using var model = IdentityRelu();
        var values = Enumerable.Range(0, 100).Select(k => (k - 40) / 8f).ToArray();
        values[7] = float.NaN;
        values[50] = float.PositiveInfinity;
        values[99] = float.NegativeInfinity;

        var result = Calibrator.Calibrate(model, Samples(values), new CalibrationOptions { Tensors = ["x"] });

        Assert.Equal(new(-5f, 58 / 8f), result.Ranges["x"]);
    }

    [Fact]
    public void Moving_average_pulls_the_range_towards_each_sample_by_the_constant()
    {
        using var model = IdentityRelu();
        var options = new CalibrationOptions { MovingAverage = true, MovingAverageConstant = 0.25, Tensors = ["copy"] };

        var result = Calibrator.Calibrate(model, Samples([-1f, 2f], [-3f, 4f], [-2f, 10f]), options);

        // min: -1 → -1 + 0.25(-3 + 1) = -1.5 → -1.5 + 0.25(-2 + 1.5) = -1.625; max: 2 → 2.5 → 2.5 + 0.25(10 - 2.5) = 4.375.
        var range = Assert.Single(result.Ranges).Value;
        Assert.Equal(-1.625f, range.Min, 1e-6f);
        Assert.Equal(4.375f, range.Max, 1e-6f);
    }

    [Fact]
    public void Percentile_matches_the_analytic_percentiles_of_a_known_sample_within_one_bin()
    {
        using var model = IdentityRelu();
        // 100,001 evenly spaced values on [0, 10]: the q-quantile is 10q. Fed in two samples.
        var values = Enumerable.Range(0, 100_001).Select(k => k / 10_000f).ToArray();
        var options = new CalibrationOptions { Method = CalibrationMethod.Percentile, Percentile = 99, Tensors = ["x"] };

        var result = Calibrator.Calibrate(model, Samples(values[..40_000], values[40_000..]), options);

        var binWidth = 10.0 / options.Bins;
        var range = result.Ranges["x"];
        Assert.Equal(0.05, range.Min, binWidth);
        Assert.Equal(9.95, range.Max, binWidth);
    }

    [Fact]
    public void Entropy_clips_rare_outliers_of_a_gaussian_but_keeps_more_than_three_sigma()
    {
        using var model = IdentityRelu();
        var values = Gaussian(200_000, seed: 5).Concat([20f, -20f, 19f, -18.5f, 20f]).ToArray();

        var result = Calibrator.Calibrate(model, Samples(values), new CalibrationOptions { Method = CalibrationMethod.Entropy, Tensors = ["x"] });

        var range = result.Ranges["x"];
        output.WriteLine($"entropy range of N(0,1) + outliers at ±20: [{range.Min}, {range.Max}]");
        Assert.InRange(range.Max, 3f, 15f);
        Assert.InRange(range.Min, -15f, -3f);
        Assert.Equal(range.Max, -range.Min, 1e-6f);
    }

    [Fact]
    public void Entropy_is_not_pulled_down_by_a_spike_of_exact_zeros_after_a_relu()
    {
        // 90% exact zeros (what a Relu leaves) plus U(0, 10): the zeros need no levels, so the range must stay near 10.
        using var model = IdentityRelu();
        var rng = new Random(11);
        var values = Enumerable.Range(0, 200_000).Select(i => i % 10 == 0 ? rng.NextSingle() * 10 : 0f).ToArray();

        var result = Calibrator.Calibrate(model, Samples(values), new CalibrationOptions { Method = CalibrationMethod.Entropy, Tensors = ["x"] });

        var range = result.Ranges["x"];
        output.WriteLine($"entropy range of 90% zeros + U(0, 10): [{range.Min}, {range.Max}]");
        Assert.Equal(0f, range.Min);
        Assert.InRange(range.Max, 9.5f, 10f);
    }

    [Fact]
    public void Entropy_keeps_about_the_full_range_of_a_uniform_distribution()
    {
        using var model = IdentityRelu();
        var rng = new Random(9);
        var values = Enumerable.Range(0, 200_000).Select(_ => (rng.NextSingle() * 2) - 1).ToArray();

        var result = Calibrator.Calibrate(model, Samples(values), new CalibrationOptions { Method = CalibrationMethod.Entropy, Tensors = ["x"] });

        var range = result.Ranges["x"];
        output.WriteLine($"entropy range of U(-1, 1): [{range.Min}, {range.Max}]");
        Assert.InRange(range.Max, 0.97f, 1f);
        Assert.InRange(range.Min, -1f, -0.97f);
    }

    [Theory]
    [InlineData(CalibrationMethod.Percentile)]
    [InlineData(CalibrationMethod.Entropy)]
    public void Histograms_merged_across_batches_equal_one_pass_over_all_of_them(CalibrationMethod method)
    {
        using var model = IdentityRelu();
        var a = Gaussian(30_000, seed: 1);
        var b = Gaussian(20_000, seed: 2).Select(v => (v * 3) + 1).ToArray();
        var options = new CalibrationOptions { Method = method, Percentile = 99.9 };

        var split = Calibrator.Calibrate(model, Samples(a, b), options);
        var whole = Calibrator.Calibrate(model, Samples([.. a, .. b]), options);

        Assert.Equal(2, split.Samples);
        Assert.Equal(whole.Ranges, split.Ranges);
    }

    [Fact]
    public void Histogram_of_two_batches_has_the_counts_of_one_histogram_over_both()
    {
        var a = Gaussian(5_000, seed: 3);
        var b = Gaussian(7_000, seed: 4);
        var merged = new HistogramCollector(-5, 5, 256, magnitudes: false);
        merged.Add(a);
        merged.Add(b);
        var single = new HistogramCollector(-5, 5, 256, magnitudes: false);
        single.Add([.. a, .. b]);

        Assert.Equal(12_000, merged.Total);
        Assert.Equal(single.Counts.ToArray(), merged.Counts.ToArray());
    }

    [Theory]
    [InlineData(CalibrationMethod.MinMax)]
    [InlineData(CalibrationMethod.Percentile)]
    [InlineData(CalibrationMethod.Entropy)]
    public void Demo_model_gets_a_range_for_every_conv_relu_and_gemm_output_and_stays_unchanged(CalibrationMethod method)
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var before = model.ToBytes();
        var images = DemoAssets.CalibrationSet();
        const int batch = 50;

        var result = Calibrator.Calibrate(model, Batches(images, batch), new CalibrationOptions { Method = method });

        Assert.Equal(images.Count / batch, result.Samples);
        var activations = model.Graph.Nodes.Where(n => n.OpType is "Conv" or "Relu" or "Gemm").Select(n => n.Outputs[0].Name).ToList();
        Assert.NotEmpty(activations);
        foreach (var name in activations)
        {
            Assert.True(result.Ranges.TryGetValue(name, out var range), $"no range for '{name}'");
            Assert.True(range.Max > range.Min, $"'{name}': empty range [{range.Min}, {range.Max}]");
            Assert.True(float.IsFinite(range.Min) && float.IsFinite(range.Max), $"'{name}': non-finite range");
        }
        Assert.Equal(new(0f, 1f), result.Ranges["input"], new RangeTolerance(method == CalibrationMethod.MinMax ? 0 : 0.01f));
        Assert.Equal(before, model.ToBytes());
        output.WriteLine($"{method}: {result.Ranges.Count} tensors, {result.Samples} batches of {batch}; inference {result.InferenceTime.TotalMilliseconds:F0} ms, statistics {result.StatisticsTime.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void A_requested_tensor_the_model_lacks_is_a_usage_error_naming_it()
    {
        using var model = IdentityRelu();

        var e = Assert.Throws<UsageException>(() =>
            Calibrator.Calibrate(model, Samples([1f]), new CalibrationOptions { Tensors = ["copy", "conv9_out"] }));

        Assert.Contains("'conv9_out'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_samples_is_a_usage_error()
    {
        using var model = IdentityRelu();

        var e = Assert.Throws<UsageException>(() => Calibrator.Calibrate(model, [], new CalibrationOptions()));

        Assert.Contains("calibration data is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sample_without_the_models_input_is_a_usage_error_naming_the_input()
    {
        using var model = IdentityRelu();
        var sample = new Dictionary<string, Tensor> { ["image"] = Tensor.Create<float>("image", [1f], 1) };

        var e = Assert.Throws<UsageException>(() => Calibrator.Calibrate(model, [sample], new CalibrationOptions()));

        Assert.Contains("'image'", e.Message, StringComparison.Ordinal);
        Assert.Contains("x", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sample_of_the_wrong_rank_is_a_usage_error_naming_the_sample()
    {
        using var model = IdentityRelu();
        var good = Feed(1f, 2f);
        var bad = new Dictionary<string, Tensor> { ["x"] = Tensor.Create<float>("x", [1f, 2f], 1, 2) };

        var e = Assert.Throws<UsageException>(() => Calibrator.Calibrate(model, [good, bad], new CalibrationOptions()));

        Assert.Contains("calibration sample 1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CalibrationMethod.Percentile, 0.0, 2048, "Percentile 0:")]
    [InlineData(CalibrationMethod.Percentile, 100.5, 2048, "Percentile 100.5:")]
    [InlineData(CalibrationMethod.MinMax, 0.0, 2048, "Percentile 0:")] // the one percentile rule holds whatever the method
    [InlineData(CalibrationMethod.Entropy, 99.9, 64, "bins")]
    public void Options_out_of_range_are_usage_errors(CalibrationMethod method, double percentile, int bins, string named)
    {
        using var model = IdentityRelu();
        var options = new CalibrationOptions { Method = method, Percentile = percentile, Bins = bins };

        var e = Assert.Throws<InvalidOptionsException>(() => Calibrator.Calibrate(model, Samples([1f]), options));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    /// <summary>The images as [batch, 1, 28, 28] tensors of pixel/255, produced lazily one batch at a time.</summary>
    private static IEnumerable<IReadOnlyDictionary<string, Tensor>> Batches(LabelledImages images, int batch)
    {
        for (var start = 0; start < images.Count; start += batch)
        {
            var count = Math.Min(batch, images.Count - start);
            var pixels = new float[count * images.PixelsPerImage];
            for (var i = 0; i < count; i++)
            {
                var image = images.Image(start + i);
                for (var p = 0; p < image.Length; p++) pixels[(i * images.PixelsPerImage) + p] = image[p] / 255f;
            }
            yield return new Dictionary<string, Tensor> { ["input"] = Tensor.Create<float>("input", pixels, count, 1, images.Rows, images.Cols) };
        }
    }

    private sealed class RangeTolerance(float tolerance) : IEqualityComparer<TensorRange>
    {
        public bool Equals(TensorRange x, TensorRange y) => Math.Abs(x.Min - y.Min) <= tolerance && Math.Abs(x.Max - y.Max) <= tolerance;
        public int GetHashCode(TensorRange obj) => 0;
    }
}
