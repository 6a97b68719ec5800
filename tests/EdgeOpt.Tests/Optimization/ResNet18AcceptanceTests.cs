using System.Globalization;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Optimization;

/// <summary>
/// Issue 3's acceptance checks on ResNet18 (opset 8, CNTK export: 22 Conv + 22 BatchNormalization, 74 nodes) after
/// <c>optimize --level extended --target-opset 17</c>: no BatchNormalization left, at most 52 nodes, valid for the
/// ONNX checker, and outputs within 1e-4 of the original's largest magnitude on 16 random and 16 natural inputs.
/// </summary>
public class ResNet18AcceptanceTests(ResNet18AcceptanceTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<ResNet18AcceptanceTests.Fixture>
{
    private const int MaxNodes = 52;
    private const double RelativeTolerance = 1e-4;

    public sealed class Fixture() : OptimizedModel(Model.Load(Fixtures.ResNet18));

    [Fact]
    public void Optimized_model_has_no_batchnorm_at_most_52_nodes_and_opset_17()
    {
        var model = fixture.Optimized;
        var counts = model.Graph.AllNodes().CountBy(n => n.OpType).OrderBy(kv => kv.Key, StringComparer.Ordinal);
        output.WriteLine($"{fixture.OriginalNodeCount} → {model.Graph.AllNodes().Count()} nodes: {string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))}");
        Assert.DoesNotContain(model.Graph.AllNodes(), n => n.OpType == "BatchNormalization");
        Assert.InRange(model.Graph.AllNodes().Count(), 1, MaxNodes);
        Assert.Equal(OptimizedModel.TargetOpset, model.GetOpset());
        Assert.Equal(22, model.Graph.AllNodes().Count(n => n.OpType == "Conv"));
    }

    [Fact]
    public void Optimized_model_passes_the_onnx_checker()
    {
        _ = fixture.Optimized;
        Assert.Null(OnnxChecker.Check(fixture.SavedPath));
    }

    [Fact]
    public void Optimized_model_matches_the_original_on_random_and_natural_inputs()
    {
        var inputs = RandomInputs(fixture.Original, 16).Concat(NaturalInputs(fixture.Original)).ToList();
        Assert.Equal(32, inputs.Count);
        var report = ModelEquivalence.Compare(fixture.Original, fixture.Optimized, inputs);
        var fidelity = Assert.Single(report.Outputs);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{report.Samples} inputs: max relative error {fidelity.MaxRelativeError:g3}, max abs {fidelity.MaxAbsError:g3}, min cosine {fidelity.Cosine:F9}"));
        Assert.Equal(32, report.Samples);
        Assert.True(report.IsWithin(RelativeTolerance),
            string.Create(CultureInfo.InvariantCulture, $"max relative error {report.MaxRelativeError:g3} exceeds {RelativeTolerance:g}"));
    }

    /// <summary>
    /// Standard-normal noise scaled by 64: ResNet18 takes mean-subtracted 0..255 BGR pixels, so its real inputs
    /// spread over roughly ±128; unit noise would exercise only a sliver of that range.
    /// </summary>
    private static IEnumerable<IReadOnlyDictionary<string, Tensor>> RandomInputs(Model model, int count)
    {
        for (var seed = 0; seed < count; seed++)
        {
            var sample = InputGenerator.Random(model, seed);
            yield return sample.ToDictionary(kv => kv.Key,
                kv => Tensor.Create(kv.Key, kv.Value.ToSingleArray().Select(v => v * 64f).ToArray(), [.. kv.Value.Dims]), StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// The sixteen skimage photographs, prepared as ML.NET's DnnImageFeaturizer does: RGB 0..255 CHW into
    /// ResNetPreprocess.onnx (shipped next to ResNet18: swaps to BGR and subtracts the mean image).
    /// </summary>
    private static IEnumerable<IReadOnlyDictionary<string, Tensor>> NaturalInputs(Model model)
    {
        var input = model.Graph.Inputs.Single(i => !i.IsInitializer).Name;
        var preprocessPath = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Fixtures.ResNet18))!, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        using var preprocess = SessionFactory.Create(preprocessPath, new SessionSettings { Optimization = GraphOptimization.None });
        var results = new List<IReadOnlyDictionary<string, Tensor>>();
        foreach (var rgb in NaturalImages.LoadRgbChw(224))
        {
            using var value = OrtTensors.ToOrtValue(Tensor.Create("OriginalInput", rgb, 1, 3, 224, 224));
            using var runOptions = new RunOptions();
            using var outputs = preprocess.Run(runOptions, ["OriginalInput"], [value], ["PreprocessedInput"]);
            results.Add(new Dictionary<string, Tensor>(StringComparer.Ordinal) { [input] = OrtTensors.ToTensor(outputs[0], input) });
        }
        return results;
    }
}
