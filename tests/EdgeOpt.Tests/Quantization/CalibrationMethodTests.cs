using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Quantization.Qdq;
using EdgeOpt.Runtime;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Quantization;

/// <summary>
/// <c>auto</c> calibration (its single-pass histogram, the error model that ranks candidates, the per-tensor choice in
/// the plan), cross-layer equalization (exact in float, balanced ranges, never across a non-homogeneous activation)
/// and bias correction (the corrected bias equals the float bias minus the measured shift), on small graphs with
/// known answers, through <see cref="Calibrator"/> and the <see cref="Quantizer"/> facade.
/// </summary>
public class CalibrationMethodTests(ITestOutputHelper output)
{
    private static float[] Gaussian(int count, int seed) => DynamicQuantizerTests.Gaussian(count, seed, 1);

    private static Model Identity()
    {
        var b = new GraphBuilder("identity", 17);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("n"));
        b.Output(b.Op("Relu", [b.Op("Identity", [x])]), "y");
        b.Graph.Nodes[0].Outputs[0].Name = "copy";
        return b.Build();
    }

    private static IReadOnlyDictionary<string, Tensor>[] Feed(params float[][] batches) =>
        batches.Select(v => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor> { ["x"] = Tensor.Create<float>("x", v, v.Length) }).ToArray();

    [Fact]
    public void Signed_histogram_that_widens_keeps_every_value_in_the_bin_of_its_final_width()
    {
        var first = Gaussian(5_000, seed: 1);                           // |x| up to ~4
        var second = Gaussian(5_000, seed: 2).Select(v => v * 7).ToArray(); // up to ~28: the range doubles three times
        var histogram = new SignedHistogram(256);
        histogram.Add(first);
        histogram.Add([0f, 0f, -0f]);
        histogram.Add(second);

        var width = histogram.BinWidth;
        var positive = new long[256];
        var negative = new long[256];
        foreach (var x in first.Concat(second))
        {
            var k = Math.Min((int)(Math.Abs(x) / width), 255);
            if (x > 0) positive[k]++;
            else negative[k]++;
        }
        Assert.Equal(10_003, histogram.Total);
        Assert.Equal(3, histogram.Zeros);
        Assert.True(histogram.High >= second.Max(Math.Abs) && histogram.High < 2 * second.Max(Math.Abs));
        // Merged bins may differ from direct binning only for values within float rounding of an edge.
        var moved = positive.Zip(histogram.Positive.ToArray(), (a, b) => Math.Abs(a - b)).Sum()
            + negative.Zip(histogram.Negative.ToArray(), (a, b) => Math.Abs(a - b)).Sum();
        Assert.True(moved <= 4, $"{moved} values landed in another bin than direct binning gives");
    }

    [Fact]
    public void Histogram_error_model_matches_the_error_of_really_quantizing_the_values()
    {
        var values = Gaussian(100_000, seed: 3).Select(v => v * 2 + 0.5f).ToArray();
        var histogram = new SignedHistogram(2048);
        histogram.Add(values);
        foreach (var range in new TensorRange[] { new(values.Min(), values.Max()), new(-4, 4), new(-1.5f, 2f) })
        {
            var (scale, zeroPoint) = QdqMath.Activation(range, QuantizedPrecision.UInt8, symmetric: false);
            var exact = values.Average(v =>
            {
                var q = Math.Clamp(Math.Round(v / scale) + zeroPoint, 0, 255);
                var d = ((q - zeroPoint) * scale) - v;
                return d * d;
            });
            var modelled = AutoRange.MeanSquaredError(histogram, range, QuantizedPrecision.UInt8, symmetric: false);
            output.WriteLine($"[{range.Min}, {range.Max}]: exact {exact:G4}, histogram {modelled:G4}");
            Assert.InRange(modelled / exact, 0.95, 1.05);
        }
    }

    [Fact]
    public void Auto_clips_the_outliers_of_a_gaussian_and_keeps_the_full_range_of_a_uniform()
    {
        using var model = Identity();
        var gaussian = Gaussian(200_000, seed: 5).Concat([40f, -38f]).ToArray();
        var rng = new Random(9);
        var uniform = Enumerable.Range(0, 200_000).Select(_ => (rng.NextSingle() * 2) - 1).ToArray();

        var clipped = Calibrator.Calibrate(model, Feed(gaussian), new CalibrationOptions { Method = CalibrationMethod.Auto, Tensors = ["x"] });
        var full = Calibrator.Calibrate(model, Feed(uniform), new CalibrationOptions { Method = CalibrationMethod.Auto, Tensors = ["x"] });

        output.WriteLine($"gaussian + outliers: {clipped.RangeMethods["x"]} {clipped.Ranges["x"]}; uniform: {full.RangeMethods["x"]} {full.Ranges["x"]}");
        Assert.Equal(1, clipped.Samples);
        Assert.NotEqual("minmax", clipped.RangeMethods["x"]);
        // Squared error weighs the two outliers heavily, so the MSE-optimal range clips them only part of the way.
        Assert.InRange(clipped.Ranges["x"].Max, 3f, 39f);
        Assert.InRange(clipped.Ranges["x"].Min, -37f, -3f);
        Assert.InRange(full.Ranges["x"].Max, 0.97f, 1f);
        Assert.InRange(full.Ranges["x"].Min, -1f, -0.97f);
    }

    [Fact]
    public void Auto_chooses_the_candidate_with_the_smallest_error_and_reports_it_per_tensor()
    {
        var values = Gaussian(50_000, seed: 7).Select(v => MathF.Exp(v)).ToArray(); // log-normal: a long right tail
        var histogram = new SignedHistogram(2048);
        histogram.Add(values);
        var observed = new TensorRange(values.Min(), values.Max());

        var candidates = AutoRange.Candidates(histogram, observed, QuantizedPrecision.UInt8, symmetric: false).ToList();
        var chosen = AutoRange.Choose(histogram, observed, QuantizedPrecision.UInt8, symmetric: false);

        foreach (var c in candidates) output.WriteLine($"{c.Method}: [{c.Range.Min:G4}, {c.Range.Max:G4}] mse {c.MeanSquaredError:G4}");
        Assert.Equal(["minmax", "percentile-99.999", "percentile-99.99", "percentile-99.9", "entropy", "mse"], candidates.Select(c => c.Method));
        Assert.Equal(candidates.Min(c => c.MeanSquaredError), chosen.MeanSquaredError);
        Assert.True(chosen.MeanSquaredError < candidates[0].MeanSquaredError, "clipping the outlier should beat MinMax");
    }

    [Fact]
    public void Auto_through_the_quantizer_records_the_method_of_every_activation_in_the_plan()
    {
        using var model = Model.Parse(EdgeOpt.Cli.DemoAssets.ModelBytes());
        var images = EdgeOpt.Cli.DemoAssets.CalibrationSet();
        var source = new LabelledImageSource(images, model.Graph.Inputs[0].Name, [1, 1, images.Rows, images.Cols]);

        using var result = new Quantizer(new QuantizerOptions { PerChannel = true, Samples = 50 }).Quantize(model, source);

        Assert.Equal(CalibrationMethod.Auto, result.Calibration!.Method);
        Assert.Equal("auto", result.Plan!.CalibrationMethod);
        var activations = result.Plan.Tensors.Where(t => t.Min is not null && result.Calibration.Ranges.ContainsKey(t.Name)).ToList();
        Assert.NotEmpty(activations);
        Assert.All(activations, t => Assert.False(string.IsNullOrEmpty(t.Calibration), $"{t.Name} has no calibration method"));
        Assert.Contains("\"calibration\": \"", result.Plan.ToJson(), StringComparison.Ordinal);
        var reloaded = QuantizationPlan.FromJson(result.Plan.ToJson());
        Assert.Equal(result.Plan.Tensors.Select(t => t.Calibration), reloaded.Tensors.Select(t => t.Calibration));
    }

    /// <summary>x[1,4,6,6] → Conv(4→8, 3×3) → act → Conv(8→8 grouped or 8→6 dense, 1×1) → y; channel ranges spread over 10⁴.</summary>
    private static Model ConvPair(string activation, int secondGroup)
    {
        var rng = new Random(21);
        var b = new GraphBuilder("pair", 13);
        var x = b.Input("x", DataType.Float, 1, 4, 6, 6);
        var w1 = new float[8 * 4 * 9];
        for (var i = 0; i < w1.Length; i++) w1[i] = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, (i / 36 % 8) - 3.5));
        var b1 = Enumerable.Range(0, 8).Select(c => (float)((rng.NextDouble() - 0.3) * Math.Pow(10, c - 3.5))).ToArray();
        var outputs = secondGroup == 1 ? 6 : 8;
        var w2 = Enumerable.Range(0, outputs * (8 / secondGroup)).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var first = b.Op("Conv", [x, b.Initializer("w1", w1, 8, 4, 3, 3), b.Initializer("b1", b1, 8)], ("pads", new long[] { 1, 1, 1, 1 }));
        var between = activation == "none" ? first : b.Op(activation, [first]);
        var second = b.Op("Conv", [between, b.Initializer("w2", w2, outputs, 8 / secondGroup, 1, 1), b.Initializer("b2", new float[outputs], outputs)],
            ("group", (long)secondGroup));
        b.Output(second, "y");
        return b.Build();
    }

    [Theory]
    [InlineData("Relu", 1)]
    [InlineData("none", 8)]   // depthwise second layer
    [InlineData("LeakyRelu", 2)]
    public void Equalization_balances_channel_ranges_and_leaves_the_float_outputs_unchanged(string activation, int group)
    {
        using var model = ConvPair(activation, group);
        using var equalized = model.Clone();

        var pairs = CrossLayerEqualization.Apply(equalized);

        Assert.Single(pairs);
        var report = ModelEquivalence.Compare(model, equalized, samples: 4);
        output.WriteLine($"{activation}, group {group}: max relative error {report.MaxRelativeError:G3}");
        Assert.True(report.IsWithin(1e-5), $"outputs moved by {report.MaxRelativeError:G3} of their range");
        var w1 = equalized.Graph.Initializers.First(v => v.Name == "w1").Initializer!.ToSingleArray();
        var w2 = equalized.Graph.Initializers.First(v => v.Name == "w2").Initializer!.ToSingleArray();
        var perGroup = 8 / group;
        var outputsPerGroup = w2.Length / perGroup / group;
        for (var c = 0; c < 8; c++)
        {
            var r1 = Enumerable.Range(c * 36, 36).Max(i => Math.Abs(w1[i]));
            var g = c / perGroup;
            var r2 = Enumerable.Range(g * outputsPerGroup, outputsPerGroup).Max(o => Math.Abs(w2[(o * perGroup) + (c % perGroup)]));
            Assert.Equal(1, r1 / r2, 1e-3);
        }
    }

    [Theory]
    [InlineData("Sigmoid")]
    [InlineData("Clip")]
    public void Equalization_never_crosses_an_activation_that_is_not_positively_homogeneous(string activation)
    {
        using var model = ConvPair(activation, 1);
        var before = model.ToBytes();

        Assert.Empty(CrossLayerEqualization.Apply(model));
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void Bias_correction_subtracts_the_mean_output_shift_of_the_rounded_weights()
    {
        // y = Gemm(x, W, b) with transB; the shift of channel o is mean over samples of Σ_k x_k (W̃ − W)[o, k].
        var rng = new Random(31);
        var b = new GraphBuilder("gemm", 13);
        var x = b.Input("x", DataType.Float, 1, 16);
        var weight = Enumerable.Range(0, 4 * 16).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var bias = new[] { 0.1f, -0.2f, 0.3f, 0f };
        var y = b.Op("Gemm", [x, b.Initializer("W", weight, 4, 16), b.Initializer("B", bias, 4)], ("transB", 1L));
        b.Output(b.Op("Relu", [y]), "out");
        using var model = b.Build();
        var inputs = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, 16).Select(_ => (float)rng.NextDouble() + 0.5f).ToArray()).ToList();
        var source = new InMemorySampleSource(inputs.Select(v => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor> { ["x"] = Tensor.Create<float>("x", v, 1, 16) }).ToList());

        using var plain = new Quantizer(new QuantizerOptions { PerChannel = true }).Quantize(model, source);
        using var corrected = new Quantizer(new QuantizerOptions { PerChannel = true, BiasCorrection = true }).Quantize(model, source);

        var entry = corrected.Plan!.Find("W")!;
        var biasOut = BiasValues(corrected);
        for (var o = 0; o < 4; o++)
        {
            double shift = 0;
            for (var k = 0; k < 16; k++)
            {
                var w = weight[(o * 16) + k];
                var rounded = Math.Clamp(Math.Round(w / entry.Scales[o]), -127, 127) * entry.Scales[o];
                shift += inputs.Average(v => v[k]) * (rounded - w);
            }
            Assert.Equal(bias[o] - shift, biasOut[o], 1e-4);
        }
        Assert.Single(corrected.BiasCorrectedNodes);
        Assert.Empty(plain.BiasCorrectedNodes);
        // The float bias of the uncorrected model is the original one (to int32 rounding).
        var plainBias = BiasValues(plain);
        for (var o = 0; o < 4; o++) Assert.Equal(bias[o], plainBias[o], 1e-4);
    }

    /// <summary>The float bias the quantized model carries: its int32 codes times the plan's bias scales.</summary>
    private static double[] BiasValues(QuantizationResult result)
    {
        var biasEntry = result.Plan!.Tensors.Single(t => t.Precision == QuantizedPrecision.Int32);
        var codes = result.Model.Graph.Initializers.Single(v => v.Name == biasEntry.Name + "_quantized").Initializer!.ToArray<int>();
        return codes.Select((q, i) => (double)q * biasEntry.Scales[i]).ToArray();
    }

    [Fact]
    public void Equalize_and_bias_correction_without_calibration_data_are_usage_errors()
    {
        using var model = ConvPair("Relu", 1);

        var e = Assert.Throws<InvalidOptionsException>(() => new Quantizer(new QuantizerOptions { Equalize = true, Plan = new QuantizationPlan() }).Quantize(model));

        Assert.Contains("Equalize runs on calibration data", e.Message, StringComparison.Ordinal);
    }
}
