using System.Globalization;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Xunit.Abstractions;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Optimization;

/// <summary>
/// The acceptance checks of issue 3 on the demo model (Fashion-MNIST CNN embedded in the CLI: opset 13,
/// 3 Conv + 3 BatchNormalization, 16 nodes) after <c>optimize --level extended --target-opset 17</c>: no
/// BatchNormalization left (so 13 nodes at most), valid for the ONNX checker, outputs within 1e-4 of the original's
/// largest magnitude on 16 random and 16 real test images, and the same accuracy on the 1,000 embedded test images.
/// </summary>
public class DemoModelAcceptanceTests(DemoModelAcceptanceTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<DemoModelAcceptanceTests.Fixture>
{
    private const double RelativeTolerance = 1e-4;

    public sealed class Fixture() : OptimizedModel(Model.Parse(DemoAssets.ModelBytes()));

    [Fact]
    public void Optimized_model_has_no_batchnorm_and_opset_17()
    {
        var original = fixture.Original.Graph.AllNodes().ToList();
        var batchNorms = original.Count(n => n.OpType == "BatchNormalization");
        Assert.Equal(3, batchNorms);
        var model = fixture.Optimized;
        output.WriteLine($"{original.Count} → {model.Graph.AllNodes().Count()} nodes: {string.Join(", ", model.Graph.AllNodes().Select(n => n.OpType))}");
        Assert.DoesNotContain(model.Graph.AllNodes(), n => n.OpType == "BatchNormalization");
        Assert.InRange(model.Graph.AllNodes().Count(), 1, original.Count - batchNorms);
        Assert.Equal(OptimizedModel.TargetOpset, model.GetOpset());
    }

    [Fact]
    public void Optimized_model_passes_the_onnx_checker()
    {
        _ = fixture.Optimized;
        Assert.Null(OnnxChecker.Check(fixture.SavedPath));
    }

    [Fact]
    public void Optimized_model_matches_the_original_on_random_and_real_images()
    {
        var input = fixture.Original.Graph.Inputs.Single(i => !i.IsInitializer).Name;
        var test = DemoAssets.TestSet();
        var random = Enumerable.Range(0, 16).Select(seed => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(fixture.Original, seed));
        var real = Enumerable.Range(0, 16).Select(i => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            // The demo model takes pixel/255 (see DemoAssets).
            [input] = Tensor.Create(input, test.Image(i * 61).ToArray().Select(p => p / 255f).ToArray(), 1, 1, test.Rows, test.Cols),
        });
        var report = ModelEquivalence.Compare(fixture.Original, fixture.Optimized, random.Concat(real).ToList());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{report.Samples} inputs: max relative error {report.MaxRelativeError:g3}, max abs {report.MaxAbsError:g3}, top-1 agreement {report.Outputs[0].Top1Agreement:P1}"));
        Assert.Equal(32, report.Samples);
        Assert.True(report.IsWithin(RelativeTolerance),
            string.Create(CultureInfo.InvariantCulture, $"max relative error {report.MaxRelativeError:g3} exceeds {RelativeTolerance:g}"));
        Assert.Equal(1.0, report.Outputs[0].Top1Agreement);
    }

    [Fact]
    public void Optimized_model_keeps_the_accuracy_on_the_embedded_test_set()
    {
        var test = DemoAssets.TestSet();
        var settings = new SessionSettings { Optimization = GraphOptimization.None, IntraOpThreads = 1 };
        using var original = SessionFactory.Create(fixture.Original, settings);
        using var optimized = SessionFactory.Create(fixture.Optimized, settings);
        var before = ModelEvaluator.Evaluate(original, test);
        var after = ModelEvaluator.Evaluate(optimized, test);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"top-1 on {test.Count} test images: original {before.Top1:P2}, optimized {after.Top1:P2}"));
        Assert.Equal(test.Count, after.Samples);
        Assert.True(before.Top1 > 0.8, $"the demo model should classify well before optimizing, got {before.Top1:P1}");
        // Float rounding may flip at most one borderline image in a thousand.
        Assert.InRange(after.Top1, before.Top1 - 0.001, before.Top1 + 0.001);
    }
}
