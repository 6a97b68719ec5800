using System.Globalization;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Evaluation;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Quantization;

/// <summary>
/// The demo CNN quantized to int8 with entropy calibration on 100 images: conv1's constant background makes KL
/// divergence clip hard, so it loses several points of top-1 — a real case for the search. Built once.
/// </summary>
public sealed class EntropyQuantizedDemo : IDisposable
{
    public EntropyQuantizedDemo()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        Result = new Quantizer(new QuantizerOptions { Method = CalibrationMethod.Entropy, Samples = 100 })
            .Quantize(model, DemoSamples.From(DemoAssets.CalibrationSet(), withLabels: false));
        Test = DemoSamples.From(DemoAssets.TestSet());
    }

    public QuantizationResult Result { get; }
    public InMemorySampleSource Test { get; }

    public void Dispose() => Result.Dispose();
}

public sealed class AccuracySearchTests(EntropyQuantizedDemo demo, ITestOutputHelper output) : IClassFixture<EntropyQuantizedDemo>
{
    [Fact]
    public void Half_a_point_drop_is_met_with_some_fallback_and_the_model_measures_so_independently()
    {
        var messages = new List<string>();
        using var search = AccuracySearch.Run(demo.Result, demo.Test, new AccuracyTarget { MaxAccuracyDrop = 0.5 },
            progress: new SynchronousProgress<string>(messages.Add));
        Log(search);

        Assert.True(search.TargetMet);
        Assert.False(search.BudgetExhausted);
        Assert.Equal("top-1 accuracy", search.Metric);
        Assert.True(search.InitialAccuracy < search.RequiredAccuracy, $"int8 starts at {search.InitialAccuracy}%, already within the target");
        Assert.InRange(search.RequiredAccuracy, search.FloatAccuracy - 0.5 - 1e-9, search.FloatAccuracy - 0.5 + 1e-9);
        Assert.NotEmpty(search.FallbackNodes);
        Assert.Equal(QdqQuantizer.QuantizableNodes(demo.Result.FloatModel).Count, search.Sensitivity.Count);
        Assert.Equal(search.Sensitivity.OrderByDescending(s => s.Drop).Select(s => s.Node), search.Sensitivity.Select(s => s.Node));
        Assert.Equal(search.Sensitivity.Take(search.FallbackNodes.Count).Select(s => s.Node), search.FallbackNodes);
        Assert.All(search.FallbackNodes, n => Assert.Contains(search.Plan.ExcludedNodes, e => e.Node == n));
        Assert.Contains(messages, m => m.StartsWith("sensitivity 1/", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("step k=", StringComparison.Ordinal));
        // Bisection: no fewer fallbacks that were evaluated met the target.
        Assert.DoesNotContain(search.Steps, s => s.Met && s.FallbackCount < search.FallbackNodes.Count);

        // The returned model, measured on its own by the batched classifier on the same 1,000 images.
        using var floatSession = SessionFactory.Create(demo.Result.FloatModel);
        using var session = SessionFactory.Create(search.Model);
        var fp32 = ModelEvaluator.Evaluate(floatSession, DemoAssets.TestSet());
        var mixed = ModelEvaluator.Evaluate(session, DemoAssets.TestSet());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"independent: float {fp32.Top1:P2}, mixed {mixed.Top1:P2}"));
        Assert.InRange((fp32.Top1 - mixed.Top1) * 100, double.NegativeInfinity, 0.5 + 1e-9);
        Assert.InRange(Math.Abs(mixed.Top1 * 100 - search.Accuracy), 0, 0.1 + 1e-9);
        Assert.Contains(search.Model.Graph.Nodes, n => n.OpType == "QuantizeLinear");
    }

    [Fact]
    public void An_impossible_target_is_not_met_and_returns_the_best_model_evaluated()
    {
        using var search = AccuracySearch.Run(demo.Result, demo.Test, new AccuracyTarget { MinAccuracy = 99.9 });
        Log(search);

        Assert.False(search.TargetMet);
        Assert.False(search.BudgetExhausted);
        Assert.Equal(99.9, search.RequiredAccuracy);
        Assert.Equal(search.Steps.Max(s => s.Accuracy), search.Accuracy);
        var evaluated = ModelEvaluator.Evaluate(search.Model, demo.Test);
        Assert.InRange(Math.Abs(evaluated.Top1!.Value * 100 - search.Accuracy), 0, 1e-9);
    }

    [Fact]
    public void A_tiny_time_budget_stops_early_with_a_valid_model()
    {
        using var search = AccuracySearch.Run(demo.Result, demo.Test, new AccuracyTarget { MaxAccuracyDrop = 0.5 },
            new AccuracySearchOptions { TimeBudget = TimeSpan.FromMilliseconds(1) });
        Log(search);

        Assert.True(search.BudgetExhausted);
        Assert.False(search.TargetMet);
        Assert.Empty(search.FallbackNodes);
        var evaluated = ModelEvaluator.Evaluate(search.Model, demo.Test, new EvaluationOptions { Samples = 50 });
        Assert.InRange(evaluated.Top1!.Value, 0.5, 1);
    }

    [Fact]
    public void Without_labels_the_metric_is_agreement_with_the_float_model()
    {
        var unlabelled = DemoSamples.From(DemoAssets.TestSet().Take(300), withLabels: false);
        using var search = AccuracySearch.Run(demo.Result, unlabelled, new AccuracyTarget { MaxAccuracyDrop = 1 });
        Log(search);

        Assert.Equal("top-1 agreement with float", search.Metric);
        Assert.Equal(100, search.FloatAccuracy);
        Assert.True(search.TargetMet);
        var fidelity = ModelEvaluator.Evaluate(search.Model, unlabelled, new EvaluationOptions { Reference = demo.Result.FloatModel }).Fidelity.Single();
        Assert.InRange(Math.Abs(fidelity.Top1Agreement * 100 - search.Accuracy), 0, 1e-9);
    }

    [Theory]
    [InlineData(null, null, "no accuracy target")]
    [InlineData(90.0, 1.0, "not both")]
    [InlineData(150.0, null, "0 to 100, not 150")]
    [InlineData(null, -1.0, "not -1")]
    public void A_target_needs_exactly_one_bound_in_range(double? min, double? drop, string expected)
    {
        var error = Assert.Throws<InvalidOptionsException>(() =>
            AccuracySearch.Run(demo.Result, demo.Test, new AccuracyTarget { MinAccuracy = min, MaxAccuracyDrop = drop }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_calibrated_int8_can_be_searched()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        using var fp16 = new Quantizer(new QuantizerOptions { Type = QuantizationType.Float16 }).Quantize(model);
        var notInt8 = Assert.Throws<InvalidOptionsException>(() => AccuracySearch.Run(fp16, demo.Test, new AccuracyTarget { MaxAccuracyDrop = 1 }));
        Assert.Contains("needs int8 static quantization calibrated on data", notInt8.Message, StringComparison.Ordinal);
        Assert.Contains("not Float16", notInt8.Message, StringComparison.Ordinal);

        using var fromPlan = new Quantizer(new QuantizerOptions { Plan = demo.Result.Plan }).Quantize(model);
        var planned = Assert.Throws<InvalidOptionsException>(() => AccuracySearch.Run(fromPlan, demo.Test, new AccuracyTarget { MaxAccuracyDrop = 1 }));
        Assert.Contains("not one made from a fixed plan", planned.Message, StringComparison.Ordinal);
    }

    private void Log(AccuracySearchResult search)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{search.Metric}: float {search.FloatAccuracy:F2}%, int8 {search.InitialAccuracy:F2}%, need {search.RequiredAccuracy:F2}%, chosen {search.Accuracy:F2}% " +
            $"with fallback [{string.Join(", ", search.FallbackNodes)}], met {search.TargetMet}, exhausted {search.BudgetExhausted}, {search.Elapsed.TotalSeconds:F1} s"));
        foreach (var s in search.Sensitivity) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  sensitivity {s.Node} ({s.OpType}): {s.Accuracy:F2}% (drop {s.Drop:F2})"));
        foreach (var s in search.Steps) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  step k={s.FallbackCount}: {s.Accuracy:F2}%, {s.MeanLatencyMs:F3} ms, met {s.Met}"));
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
