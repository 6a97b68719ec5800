using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Quantization;

/// <summary>
/// <c>--equalize</c> through <see cref="Quantizer"/> on ResNet18 (NuGet featurizer): cross-layer equalization runs
/// once, ONNX Runtime checks that very result against the model before it, and quantization continues from it.
/// </summary>
public sealed class QuantizerEqualizationTests(QuantizerEqualizationTests.Fixture fixture, ITestOutputHelper output)
    : IClassFixture<QuantizerEqualizationTests.Fixture>
{
    /// <summary>ResNet18 prepared as the quantizer prepares it (extended optimization, opset 13), and a few photo crops.</summary>
    public sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            Original = Model.Load(Fixtures.ResNet18);
            var input = Original.Graph.Inputs.Single(v => !v.IsInitializer).Name;
            Calibration = new NaturalCropSource(Fixtures.ResNet18, input, 4, seed: 1_000);
            Prepared = Original.Clone();
            ModelOptimizer.Optimize(Prepared, new OptimizationOptions { Level = PassLevel.Extended });
            if ((Prepared.GetOpset("") ?? 0) < 13) OpsetConverter.Convert(Prepared, 13);
            Inputs = [.. Enumerable.Range(0, 2).Select(Calibration.Read)];
        }

        public Model Original { get; }

        /// <summary>What the quantizer equalizes: the optimized model at the per-channel QDQ opset.</summary>
        public Model Prepared { get; }

        internal NaturalCropSource Calibration { get; }

        public IReadOnlyList<IReadOnlyDictionary<string, Tensor>> Inputs { get; }

        public void Dispose()
        {
            Original.Dispose();
            Prepared.Dispose();
            Calibration.Dispose();
        }
    }

    private static Dictionary<string, float[]> ConvWeights(Model model) =>
        model.Graph.Nodes.Where(n => n.OpType == "Conv").Select(n => n.Inputs[1]!)
            .ToDictionary(w => w.Name, w => w.Initializer!.ToSingleArray(), StringComparer.Ordinal);

    [Fact]
    public void Equalize_runs_once_and_returns_the_pairs_of_that_run()
    {
        using var work = fixture.Prepared.Clone();
        var runs = 0;

        var pairs = Quantizer.EqualizeChecked(work, fixture.Inputs, model =>
        {
            runs++;
            return CrossLayerEqualization.Apply(model);
        });

        Assert.Equal(1, runs);
        output.WriteLine($"{pairs.Count} pairs: {string.Join(", ", pairs)}");
        Assert.True(pairs.Count >= 8, $"ResNet18 has a Conv → Relu → Conv pair in each of its 8 basic blocks; {pairs.Count} equalized");
        using var once = fixture.Prepared.Clone();
        Assert.Equal(CrossLayerEqualization.Apply(once), pairs);
        var expected = ConvWeights(once);
        foreach (var (name, weights) in ConvWeights(work))
            Assert.True(expected[name].AsSpan().SequenceEqual(weights), $"Conv weight '{name}' differs from one equalization");
    }

    [Fact]
    public void The_runtime_check_verifies_the_model_quantization_continues_from()
    {
        using var work = fixture.Prepared.Clone();
        var firstConv = work.Graph.Nodes.First(n => n.OpType == "Conv").Inputs[1]!;

        // An equalization that breaks the model it returns must be caught: the check runs on that model, not on a copy.
        var e = Assert.Throws<InvalidOperationException>(() => Quantizer.EqualizeChecked(work, fixture.Inputs, model =>
        {
            var pairs = CrossLayerEqualization.Apply(model);
            var old = firstConv.Initializer!;
            firstConv.Initializer = Tensor.Create<float>(old.Name, [.. old.ToSingleArray().Select(v => v * 2)], [.. old.Dims]);
            return pairs;
        }));

        Assert.StartsWith("cross-layer equalization changed the float outputs by ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quantize_with_equalize_continues_from_one_equalization_of_the_optimized_model()
    {
        using var result = new Quantizer(new QuantizerOptions
        {
            Type = QuantizationType.Int8, Method = CalibrationMethod.MinMax, PerChannel = true, Equalize = true, Samples = 4,
        }).Quantize(fixture.Original, fixture.Calibration);
        using var once = fixture.Prepared.Clone();

        Assert.Equal(CrossLayerEqualization.Apply(once), result.EqualizedPairs);
        var expected = ConvWeights(once);
        var actual = ConvWeights(result.FloatModel);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, weights) in actual)
            Assert.True(expected[name].AsSpan().SequenceEqual(weights), $"float model's Conv weight '{name}' differs from one equalization");
    }
}
