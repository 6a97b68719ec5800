using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using Xunit.Abstractions;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Quantization;

/// <summary>The demo CNN quantized per channel on 100 calibration images, and its error report on those same images (made once).</summary>
public sealed class ErrorReportFixture : IDisposable
{
    public ErrorReportFixture()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        Calibration = Images(model.Graph.Inputs[0].Name, DemoAssets.CalibrationSet().Take(100));
        Result = new Quantizer(new QuantizerOptions { PerChannel = true, Method = CalibrationMethod.MinMax }).Quantize(model, Calibration);
        Report = QuantizationDebugger.Analyze(Result, Calibration);
    }

    public InMemorySampleSource Calibration { get; }
    public QuantizationResult Result { get; }
    public QuantizationErrorReport Report { get; }

    /// <summary>Each image as its own [1, 1, 28, 28] sample, pixels / 255.</summary>
    public static InMemorySampleSource Images(string input, LabelledImages images)
    {
        var samples = new List<IReadOnlyDictionary<string, Tensor>>();
        for (var i = 0; i < images.Count; i++)
        {
            var pixels = images.Image(i).ToArray().Select(p => p / 255f).ToArray();
            samples.Add(new Dictionary<string, Tensor> { [input] = Tensor.Create(input, pixels, 1, 1, images.Rows, images.Cols) });
        }
        return new InMemorySampleSource(samples, description: $"{images.Count} demo images");
    }

    public void Dispose() => Result.Dispose();
}

public sealed class QuantizationDebuggerTests(ErrorReportFixture demo, ITestOutputHelper output) : IClassFixture<ErrorReportFixture>
{
    [Fact]
    public void Every_quantized_plan_tensor_has_an_entry_in_plan_order_with_its_kind()
    {
        var planned = demo.Result.Plan!.Tensors.Where(t => t.IsQuantized).ToList();
        foreach (var t in demo.Report.Tensors)
            output.WriteLine($"{t.Kind,-10} {t.Name,-28} {t.Precision,-6} clipped {t.ClippedFraction:P3}  local {t.SqnrDb,7:F2} dB  accumulated {t.AccumulatedSqnrDb,7:F2} dB");

        Assert.Equal(100, demo.Report.Samples);
        Assert.Equal(planned.Select(t => t.Name), demo.Report.Tensors.Select(t => t.Name));
        var initializers = demo.Result.FloatModel.Graph.Initializers.Select(v => v.Name).ToHashSet();
        foreach (var (entry, error) in planned.Zip(demo.Report.Tensors))
        {
            var expected = !initializers.Contains(entry.Name) ? TensorError.Activation
                : entry.Precision == QuantizedPrecision.Int32 ? TensorError.Bias : TensorError.Weight;
            Assert.Equal(expected, error.Kind);
            Assert.Equal(entry.Precision, error.Precision);
            Assert.Equal(entry.Scales, error.Scales);
            Assert.Equal(entry.ZeroPoints, error.ZeroPoints);
        }
        Assert.Contains(demo.Report.Tensors, t => t.Kind == TensorError.Bias);
        Assert.Equal(demo.Result.Model.Graph.Inputs[0].Name, demo.Report.Tensors.First(t => t.Kind == TensorError.Activation).Name);
    }

    [Fact]
    public void Per_channel_int8_weights_keep_more_than_30_dB_and_clip_nothing()
    {
        var weights = demo.Report.Tensors.Where(t => t.Kind == TensorError.Weight).ToList();

        Assert.True(weights.Count >= 4, $"expected the 3 conv and 2 gemm weights, got {weights.Count}");
        foreach (var w in weights)
        {
            Assert.True(w.SqnrDb > 30, $"weight '{w.Name}': {w.SqnrDb:F2} dB");
            Assert.True(w.Scales.Count > 1, $"weight '{w.Name}' is not per-channel");
            Assert.Equal(0, w.ClippedFraction);
            Assert.Null(w.AccumulatedSqnrDb);
            Assert.Null(w.RangeMin);
            Assert.True(w.ObservedMin < 0 && w.ObservedMax > 0);
        }
        Assert.All(demo.Report.Tensors.Where(t => t.Kind == TensorError.Bias), b => Assert.True(b.SqnrDb > 30, $"bias '{b.Name}': {b.SqnrDb:F2} dB"));
    }

    [Fact]
    public void MinMax_ranges_clip_nothing_on_their_own_calibration_data()
    {
        var activations = demo.Report.Tensors.Where(t => t.Kind == TensorError.Activation).ToList();

        Assert.NotEmpty(activations);
        foreach (var a in activations)
        {
            Assert.Equal(0, a.ClippedFraction);
            Assert.InRange(a.ObservedMin, a.RangeMin!.Value, a.RangeMax!.Value);
            Assert.InRange(a.ObservedMax, a.RangeMin.Value, a.RangeMax.Value);
            Assert.Equal(a.RangeMax.Value, a.ObservedMax); // min/max calibration: the range is what was observed
            Assert.True(double.IsFinite(a.SqnrDb) && a.SqnrDb > 20, $"activation '{a.Name}': local {a.SqnrDb:F2} dB");
        }
    }

    [Fact]
    public void A_narrowed_plan_range_clips_and_costs_local_SQNR()
    {
        var plan = demo.Result.Plan!;
        var activations = demo.Report.Tensors.Where(t => t.Kind == TensorError.Activation).Select(t => t.Name).ToHashSet();
        // Half the scale with the same zero point covers exactly half the range.
        var narrowed = plan with
        {
            Tensors = plan.Tensors.Select(t => activations.Contains(t.Name)
                ? t with { Scales = [t.Scales[0] / 2], Min = t.Min / 2, Max = t.Max / 2 }
                : t).ToList(),
        };
        using var model = Model.Parse(DemoAssets.ModelBytes());
        using var result = new Quantizer(new QuantizerOptions { PerChannel = true, Plan = narrowed }).Quantize(model);

        var report = QuantizationDebugger.Analyze(result, demo.Calibration, samples: 20);

        Assert.Equal(20, report.Samples);
        foreach (var name in activations)
        {
            var before = demo.Report.Find(name)!;
            var after = report.Find(name)!;
            output.WriteLine($"{name}: clipped {after.ClippedFraction:P3}, local {before.SqnrDb:F2} -> {after.SqnrDb:F2} dB");
            Assert.True(after.ClippedFraction > 0, $"'{name}' clips nothing in [{after.RangeMin}, {after.RangeMax}]");
            Assert.True(after.ClippedFraction < 1);
            Assert.True(after.SqnrDb < before.SqnrDb, $"'{name}': {after.SqnrDb:F2} dB is not below {before.SqnrDb:F2} dB");
        }
    }

    [Fact]
    public void Accumulated_SQNR_is_finite_and_no_better_than_local_for_the_deepest_activations()
    {
        var activations = demo.Report.Tensors.Where(t => t.Kind == TensorError.Activation).ToList();
        Assert.All(activations, a => Assert.NotNull(a.AccumulatedSqnrDb));

        // At the graph input nothing happened upstream: the quantized model's DequantizeLinear output is the local error.
        var input = activations[0];
        Assert.Equal(input.SqnrDb, input.AccumulatedSqnrDb!.Value, 1e-6);
        foreach (var deep in activations.TakeLast(2))
        {
            var accumulated = deep.AccumulatedSqnrDb!.Value;
            Assert.True(double.IsFinite(accumulated), $"'{deep.Name}': accumulated {accumulated}");
            Assert.True(accumulated <= deep.SqnrDb + 0.5, $"'{deep.Name}': accumulated {accumulated:F2} dB above local {deep.SqnrDb:F2} dB");
            Assert.True(accumulated > 10, $"'{deep.Name}': accumulated {accumulated:F2} dB; the quantized model is broken");
        }
    }

    [Fact]
    public void Local_error_of_a_hand_made_tensor_matches_an_independent_computation()
    {
        var b = new GraphBuilder("hand_made", 17);
        var x = b.Input("x", DataType.Float, 1, 8);
        var y = b.Op("MatMul", [x, b.Initializer("w", Enumerable.Range(0, 16).Select(i => (i - 7.5f) / 8).ToArray(), 8, 2)]);
        b.Output(y, "y");
        using var model = b.Build();
        float[] calibration = [-1f, -0.5f, 0f, 0.25f, 0.5f, 1f, 1.5f, 2f];
        float[] probe = [-1.5f, -0.37f, 0.013f, 0.31f, 0.77f, 1.29f, 2.2f, 3f]; // three values outside [-1, 2]
        using var result = new Quantizer(new QuantizerOptions { Method = CalibrationMethod.MinMax }).Quantize(model, Source("x", calibration));

        var report = QuantizationDebugger.Analyze(result, Source("x", probe));

        var error = report.Find("x")!;
        var scale = 3f / 255f; // range [-1, 2] over 255 steps
        var zeroPoint = (int)Math.Round(1 / scale);
        Assert.Equal(scale, error.Scales[0], 1e-7f);
        Assert.Equal(zeroPoint, error.ZeroPoints[0]);
        double signal = 0, noise = 0;
        foreach (var v in probe)
        {
            var q = Math.Clamp(Math.Round(v / scale, MidpointRounding.ToEven) + zeroPoint, 0, 255);
            var dequantized = (q - zeroPoint) * scale;
            signal += v * (double)v;
            noise += (v - dequantized) * (v - dequantized);
        }
        var expected = 10 * Math.Log10(signal / noise);
        output.WriteLine($"x: {error.SqnrDb:F4} dB, independently {expected:F4} dB");
        Assert.Equal(expected, error.SqnrDb, 1e-6);
        Assert.Equal(3.0 / 8, error.ClippedFraction, 1e-12);
        Assert.Equal(-1.5f, error.ObservedMin);
        Assert.Equal(3f, error.ObservedMax);
        Assert.Equal(1, report.Samples);
    }

    [Fact]
    public void Saved_report_is_camelCase_json_that_round_trips_and_leaves_no_temporary_file()
    {
        using var dir = new TempDir();
        var path = dir.File("errors.json");

        demo.Report.Save(path);

        var text = File.ReadAllText(path);
        using (var json = JsonDocument.Parse(text))
        {
            Assert.Equal(100, json.RootElement.GetProperty("samples").GetInt32());
            var first = json.RootElement.GetProperty("tensors")[0];
            Assert.Equal("activation", first.GetProperty("kind").GetString());
            Assert.Equal("uint8", first.GetProperty("precision").GetString());
            Assert.True(first.TryGetProperty("accumulatedSqnrDb", out _));
        }
        var loaded = QuantizationErrorReport.FromJson(text, path);
        Assert.Equal(demo.Report.Samples, loaded.Samples);
        Assert.Equal(demo.Report.Tensors.Count, loaded.Tensors.Count);
        foreach (var (a, b) in demo.Report.Tensors.Zip(loaded.Tensors))
        {
            Assert.Equal(a with { Scales = [], ZeroPoints = [] }, b with { Scales = [], ZeroPoints = [] });
            Assert.Equal(a.Scales, b.Scales);
            Assert.Equal(a.ZeroPoints, b.ZeroPoints);
        }
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void An_error_free_tensor_reports_infinite_SQNR_and_round_trips_it()
    {
        var report = new QuantizationErrorReport
        {
            Samples = 1,
            Tensors = [new TensorError("t", TensorError.Weight, QuantizedPrecision.Int8, [1f], [0], null, null, -1, 1, 0, double.PositiveInfinity, null)],
        };

        var loaded = QuantizationErrorReport.FromJson(report.ToJson());

        Assert.Contains("\"Infinity\"", report.ToJson(), StringComparison.Ordinal);
        Assert.Equal(double.PositiveInfinity, loaded.Tensors[0].SqnrDb);
        Assert.Null(loaded.Tensors[0].AccumulatedSqnrDb);
    }

    [Fact]
    public void Bad_report_text_is_a_format_error_naming_the_source()
    {
        var e = Assert.Throws<ModelFormatException>(() => QuantizationErrorReport.FromJson("{\"samples\": \"many\"}", "errors.json"));
        Assert.Contains("errors.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_int8_result_or_no_samples_is_a_usage_error()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        using var half = new Quantizer(new QuantizerOptions { Type = QuantizationType.Float16 }).Quantize(model);

        var e = Assert.Throws<InvalidOptionsException>(() => QuantizationDebugger.Analyze(half, demo.Calibration));
        Assert.Contains("int8", e.Message, StringComparison.Ordinal);
        Assert.Contains("Float16", e.Message, StringComparison.Ordinal);
        var zero = Assert.Throws<UsageException>(() => QuantizationDebugger.Analyze(demo.Result, demo.Calibration, samples: 0));
        Assert.Contains("samples", zero.Message, StringComparison.Ordinal);
    }

    private static InMemorySampleSource Source(string input, float[] values) =>
        new([new Dictionary<string, Tensor> { [input] = Tensor.Create(input, values, 1, values.Length) }]);
}
