using System.Globalization;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Quantization;
using EdgeOpt.Runtime;
using Xunit.Abstractions;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Evaluation;

public sealed class ModelEvaluatorTests(ITestOutputHelper output)
{
    [Fact]
    public void Demo_against_itself_is_identical_and_top1_matches_the_batched_classifier()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        using var reference = Model.Parse(DemoAssets.ModelBytes());
        var test = DemoAssets.TestSet();
        var progressed = 0;

        var result = ModelEvaluator.Evaluate(model, DemoSamples.From(test), new EvaluationOptions { Reference = reference },
            new SynchronousProgress<int>(n => progressed = n));
        using var session = SessionFactory.Create(model);
        var batched = ModelEvaluator.Evaluate(session, test);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"top-1 {result.Top1:P2} (batched {batched.Top1:P2}), top-5 {result.Top5:P2}, {result.MeanLatencyMs:F3} ms/sample, reference {result.ReferenceMeanLatencyMs:F3} ms on {result.MeasuredOn}"));

        Assert.Equal(1000, result.Samples);
        Assert.Equal(1000, progressed);
        var fidelity = Assert.Single(result.Fidelity);
        Assert.Equal("logits", fidelity.Name);
        Assert.InRange(fidelity.Cosine, 1 - 1e-9, 1 + 1e-9);
        Assert.Equal(1.0, fidelity.Top1Agreement);
        Assert.InRange(fidelity.MaxAbsError, 0, 1e-6);
        Assert.Equal(result.Top1, result.ReferenceTop1);
        // One image of 1,000 may flip between batch 1 and batch 64 kernels.
        Assert.InRange(Math.Abs(result.Top1!.Value - batched.Top1), 0, 0.001 + 1e-12);
        Assert.InRange(Math.Abs(result.Top5!.Value - batched.Top5!.Value), 0, 0.001 + 1e-12);
        Assert.True(result.MeanLatencyMs > 0 && result.ReferenceMeanLatencyMs > 0);
        Assert.Equal(HostDescription.Current.ToString(), result.MeasuredOn);
    }

    [Fact]
    public void Labels_alone_give_accuracy_without_fidelity_and_samples_takes_the_first_n()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var test = DemoAssets.TestSet();
        var first100 = test.Take(100);
        using var session = SessionFactory.Create(model);
        var batched = ModelEvaluator.Evaluate(session, first100);

        var result = ModelEvaluator.Evaluate(model, DemoSamples.From(test), new EvaluationOptions { Samples = 100 });
        var overridden = ModelEvaluator.Evaluate(model, DemoSamples.From(test, withLabels: false),
            new EvaluationOptions { Samples = 100, Labels = first100.Labels.ToArray().Select(l => (int)l).ToArray() });

        Assert.Equal(100, result.Samples);
        Assert.Empty(result.Fidelity);
        Assert.Null(result.ReferenceTop1);
        Assert.Null(result.ReferenceMeanLatencyMs);
        Assert.InRange(Math.Abs(result.Top1!.Value - batched.Top1), 0, 0.01 + 1e-12);
        Assert.Equal(result.Top1, overridden.Top1);
    }

    [Fact]
    public void ResNet18_in_float16_keeps_close_fidelity_to_float32_on_random_inputs()
    {
        using var reference = Model.Load(Fixtures.ResNet18);
        using var model = Model.Load(Fixtures.ResNet18);
        ModelOptimizer.Optimize(model, new OptimizationOptions { Level = PassLevel.Extended, TargetOpset = 17 });
        Float16Converter.Convert(model, new Float16Options { KeepIoTypes = true });
        var samples = Enumerable.Range(0, 3).Select(seed => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(reference, seed)).ToList();

        var result = ModelEvaluator.Evaluate(model, new InMemorySampleSource(samples, description: "3 random inputs", isRepresentative: false),
            new EvaluationOptions { Reference = reference });
        var fidelity = Assert.Single(result.Fidelity);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ResNet18 fp16 vs fp32: cosine {fidelity.Cosine:F6}, SQNR {fidelity.SqnrDb:F1} dB, max rel {fidelity.MaxRelativeError:g3}; {result.MeanLatencyMs:F1} vs {result.ReferenceMeanLatencyMs:F1} ms"));

        Assert.Equal(3, result.Samples);
        Assert.Equal(reference.Graph.Outputs[0].Name, fidelity.Name);
        Assert.True(fidelity.Cosine >= 0.999, $"cosine {fidelity.Cosine}");
        Assert.True(fidelity.SqnrDb >= 30, $"SQNR {fidelity.SqnrDb} dB");
        Assert.Null(result.Top1);
    }

    [Fact]
    public void Nothing_to_measure_is_a_usage_error()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var data = DemoSamples.From(DemoAssets.TestSet().Take(5), withLabels: false);
        var error = Assert.ThrowsAny<UsageException>(() => ModelEvaluator.Evaluate(model, data)); // InvalidOptionsException naming Labels and Reference
        Assert.Contains("nothing to measure", error.Message, StringComparison.Ordinal);
        Assert.Contains("labels or a reference", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fewer_labels_than_evaluated_samples_is_a_usage_error_naming_both_counts()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var data = DemoSamples.From(DemoAssets.TestSet().Take(10), withLabels: false);
        var error = Assert.Throws<UsageException>(() => ModelEvaluator.Evaluate(model, data, new EvaluationOptions { Labels = [1, 2, 3], Samples = 5 }));
        Assert.Contains("3 labels for 5 evaluated samples", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_for_more_samples_than_evaluated_score_the_prefix_exactly_like_the_matching_labels()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var images = DemoAssets.TestSet().Take(10);
        var data = DemoSamples.From(images, withLabels: false);
        var first = images.Labels.ToArray().Take(5).Select(l => (int)l).ToList();
        // Labels past the evaluated prefix are deliberately wrong: they must not count.
        List<int> all = [.. first, .. first.Select(l => (l + 1) % 10)];

        var prefix = ModelEvaluator.Evaluate(model, data, new EvaluationOptions { Labels = all, Samples = 5 });
        var exact = ModelEvaluator.Evaluate(model, data, new EvaluationOptions { Labels = first, Samples = 5 });

        Assert.Equal(5, prefix.Samples);
        Assert.NotNull(prefix.Top1);
        Assert.Equal(exact.Top1, prefix.Top1);
        Assert.Equal(exact.Top5, prefix.Top5);
    }

    [Fact]
    public void A_label_outside_the_classes_is_a_data_format_error_naming_the_sample()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var data = DemoSamples.From(DemoAssets.TestSet().Take(3), withLabels: false);
        var error = Assert.Throws<DataFormatException>(() => ModelEvaluator.Evaluate(model, data, new EvaluationOptions { Labels = [0, 10, 1] }));
        Assert.Contains("label 10 of sample 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("10 classes of output 'logits'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_options_are_usage_errors_naming_the_value()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var data = DemoSamples.From(DemoAssets.TestSet().Take(3));

        var samples = Assert.ThrowsAny<UsageException>(() => ModelEvaluator.Evaluate(model, data, new EvaluationOptions { Samples = 0 })); // InvalidOptionsException
        Assert.Contains("positive, not 0", samples.Message, StringComparison.Ordinal);
        var outputName = Assert.Throws<UsageException>(() => ModelEvaluator.Evaluate(model, data, new EvaluationOptions { OutputName = "scores" }));
        Assert.Contains("no output 'scores' (outputs: logits)", outputName.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reference_with_other_outputs_or_data_for_other_inputs_is_refused()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        using var other = Model.Load(Fixtures.ResNet18);
        var data = DemoSamples.From(DemoAssets.TestSet().Take(3));

        var reference = Assert.Throws<UsageException>(() => ModelEvaluator.Evaluate(model, data, new EvaluationOptions { Reference = other }));
        Assert.Contains("input", reference.Message, StringComparison.Ordinal);

        using var renamed = Model.Parse(DemoAssets.ModelBytes());
        renamed.Graph.Outputs[0].Name = "scores";
        var outputs = Assert.Throws<UsageException>(() => ModelEvaluator.Evaluate(model, data, new EvaluationOptions { Reference = renamed }));
        Assert.Contains("outputs (logits) differ from the reference's (scores)", outputs.Message, StringComparison.Ordinal);
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
