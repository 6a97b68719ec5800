using System.Collections.Concurrent;
using System.Globalization;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Quantization;

/// <summary>
/// Issue 11's calibration acceptance on real models and data, through the <see cref="Quantizer"/> facade (INT8 static,
/// per-channel weights, uint8 activations, run by ONNX Runtime with its fused integer kernels), scored against FP32 on
/// held-out inputs from photos calibration never saw. Figures for every method are in docs/benchmarks.md
/// (<c>calibration-methods</c> bench mode).
/// </summary>
public abstract class CalibrationAcceptance(CalibrationAcceptance.Study study, ITestOutputHelper output)
{
    private protected ITestOutputHelper Output => output;

    /// <summary>One model's study, each configuration quantized at most once per test run.</summary>
    public abstract class Study : IDisposable
    {
        private readonly ConcurrentDictionary<string, StudyScore> _scores = new(StringComparer.Ordinal);
        private readonly Lazy<CalibrationStudy> _study;

        protected Study() => _study = new(Create);

        private protected abstract CalibrationStudy Create();

        internal StudyScore Score(string name, QuantizerOptions options) => _scores.GetOrAdd(name, _ => _study.Value.Run(options));

        public void Dispose()
        {
            foreach (var score in _scores.Values) score.Result.Dispose();
            if (_study.IsValueCreated) _study.Value.Original.Dispose();
        }
    }

    private protected StudyScore Score(CalibrationMethod method, bool biasCorrection = false, bool equalize = false)
    {
        var name = $"{method}{(biasCorrection ? "+bc" : "")}{(equalize ? "+eq" : "")}";
        var score = study.Score(name, new QuantizerOptions
        {
            Type = QuantizationType.Int8, Method = method, PerChannel = true, Percentile = 99.99, BiasCorrection = biasCorrection, Equalize = equalize,
        });
        output.WriteLine(Invariant($"{name}: mean cosine {score.MeanCosine:F5}, top-1 agreement {score.Top1Agreement:P1}, calibration {score.CalibrationSeconds:F1} s"));
        return score;
    }

    private protected static void AtLeast(StudyScore actual, double floor, string what) =>
        Assert.True(actual.MeanCosine >= floor, Invariant($"{what}: mean cosine {actual.MeanCosine:F5} is below {floor:F5}"));

    private protected static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>ResNet18 (NuGet featurizer): 100 crops of ten photos to calibrate, 50 crops of six others held out.</summary>
public sealed class ResNet18CalibrationTests(ResNet18CalibrationTests.Fixture fixture, ITestOutputHelper output)
    : CalibrationAcceptance(fixture, output), IClassFixture<ResNet18CalibrationTests.Fixture>
{
    public sealed class Fixture : Study
    {
        private protected override CalibrationStudy Create()
        {
            var model = Model.Load(Fixtures.ResNet18);
            var input = model.Graph.Inputs.Single(v => !v.IsInitializer).Name;
            using var calibration = new NaturalCropSource(Fixtures.ResNet18, input, 100, seed: 1_000, PhotoCrops.CalibrationPhotos);
            using var heldOut = new NaturalCropSource(Fixtures.ResNet18, input, 50, seed: 50_000, PhotoCrops.HeldOutPhotos);
            return new CalibrationStudy(model, new InMemorySampleSource(Enumerable.Range(0, 100).Select(calibration.Read).ToList()),
                Enumerable.Range(0, 50).Select(heldOut.Read).ToList());
        }
    }

    [Fact]
    public void Entropy_never_scores_more_than_0_002_below_minmax()
    {
        var minMax = Score(CalibrationMethod.MinMax);
        var entropy = Score(CalibrationMethod.Entropy);

        AtLeast(entropy, minMax.MeanCosine - 0.002, "entropy");
    }

    [Fact]
    public void Auto_is_at_least_as_good_as_the_best_single_method()
    {
        var best = new[] { CalibrationMethod.MinMax, CalibrationMethod.Percentile, CalibrationMethod.Entropy }.Max(m => Score(m).MeanCosine);
        var auto = Score(CalibrationMethod.Auto);

        AtLeast(auto, best - 0.001, "auto");
        Assert.Contains(auto.Result.Plan!.Tensors, t => t.Calibration is not null);
    }

    [Fact]
    public void Bias_correction_and_equalization_keep_auto_within_0_002()
    {
        var auto = Score(CalibrationMethod.Auto);
        var corrected = Score(CalibrationMethod.Auto, biasCorrection: true);
        var equalized = Score(CalibrationMethod.Auto, equalize: true);

        Assert.NotEmpty(corrected.Result.BiasCorrectedNodes);
        AtLeast(corrected, auto.MeanCosine - 0.002, "auto + bias correction");
        AtLeast(equalized, auto.MeanCosine - 0.002, "auto + equalize");
    }
}

/// <summary>The embedded Fashion-MNIST CNN of <c>edgeopt demo</c>: its 100 calibration images, accuracy on the 1,000 test images.</summary>
public sealed class DemoCalibrationTests(DemoCalibrationTests.Fixture fixture, ITestOutputHelper output)
    : CalibrationAcceptance(fixture, output), IClassFixture<DemoCalibrationTests.Fixture>
{
    public sealed class Fixture : Study
    {
        private protected override CalibrationStudy Create()
        {
            var model = Model.Parse(DemoAssets.ModelBytes());
            var input = model.Graph.Inputs[0].Name;
            var images = DemoAssets.CalibrationSet();
            var calibration = new LabelledImageSource(images, input, [1, 1, images.Rows, images.Cols]);
            var test = DemoAssets.TestSet();
            var testSource = new LabelledImageSource(test, input, [1, 1, test.Rows, test.Cols]);
            return new CalibrationStudy(model, new InMemorySampleSource(Enumerable.Range(0, 100).Select(calibration.Read).ToList()),
                Enumerable.Range(0, testSource.Count).Select(testSource.Read).ToList());
        }
    }

    private double Accuracy(StudyScore score)
    {
        using var session = SessionFactory.Create(score.Result.Model);
        var top1 = ModelEvaluator.Evaluate(session, DemoAssets.TestSet()).Top1;
        Output.WriteLine(Invariant($"{score.Result.Calibration!.Method}: accuracy {top1:P1}"));
        return top1;
    }

    [Fact]
    public void Auto_is_at_least_as_good_as_the_best_single_method_in_cosine_and_accuracy()
    {
        var singles = new[] { CalibrationMethod.MinMax, CalibrationMethod.Percentile, CalibrationMethod.Entropy }.Select(m => Score(m)).ToList();
        var auto = Score(CalibrationMethod.Auto);

        AtLeast(auto, singles.Max(s => s.MeanCosine) - 0.001, "auto");
        var best = singles.Max(Accuracy);
        var accuracy = Accuracy(auto);
        Assert.True(accuracy >= best - 0.001, Invariant($"auto accuracy {accuracy:P1} is below the best single method's {best:P1} by more than one image in 1,000"));
    }
}

/// <summary>MediaPipe BlazeFace (npm, depthwise): 128×128 crops in [-1, 1] of the same photo split.</summary>
public sealed class BlazeFaceCalibrationTests(BlazeFaceCalibrationTests.Fixture fixture, ITestOutputHelper output)
    : CalibrationAcceptance(fixture, output), IClassFixture<BlazeFaceCalibrationTests.Fixture>
{
    public sealed class Fixture : Study
    {
        private protected override CalibrationStudy Create()
        {
            var model = Model.Load(Fixtures.BlazeFace);
            var input = model.Graph.Inputs.Single(v => !v.IsInitializer).Name;
            var calibration = new PhotoCrops(PhotoCrops.CalibrationPhotos, input, 128, 100, seed: 1_000, channelsLast: true, scale: 1 / 127.5f, offset: -1);
            var heldOut = new PhotoCrops(PhotoCrops.HeldOutPhotos, input, 128, 50, seed: 50_000, channelsLast: true, scale: 1 / 127.5f, offset: -1);
            return new CalibrationStudy(model, calibration, Enumerable.Range(0, heldOut.Count).Select(heldOut.Read).ToList());
        }
    }

    [Fact]
    public void Equalization_of_the_depthwise_pairs_is_exact_in_float_and_raises_cosine()
    {
        var auto = Score(CalibrationMethod.Auto);
        var equalized = Score(CalibrationMethod.Auto, equalize: true);

        Assert.True(equalized.Result.EqualizedPairs.Count >= 10, $"only {equalized.Result.EqualizedPairs.Count} Conv pairs equalized");
        // The float model the plan refers to is the equalized one: ORT must give FP32's outputs from it.
        var input = auto.Result.FloatModel.Graph.Inputs.Single(v => !v.IsInitializer).Name;
        var crops = new PhotoCrops(PhotoCrops.HeldOutPhotos, input, 128, 4, seed: 7, channelsLast: true, scale: 1 / 127.5f, offset: -1);
        var report = ModelEquivalence.Compare(auto.Result.FloatModel, equalized.Result.FloatModel, Enumerable.Range(0, 4).Select(crops.Read).ToList());
        Assert.True(report.IsWithin(1e-4), $"equalized float model differs by {report.MaxRelativeError:G3} of the output range");
        AtLeast(equalized, auto.MeanCosine + 0.002, "auto + equalize");
    }

    [Fact]
    public void Bias_correction_does_not_hurt()
    {
        var auto = Score(CalibrationMethod.Auto);
        var corrected = Score(CalibrationMethod.Auto, biasCorrection: true);

        Assert.NotEmpty(corrected.Result.BiasCorrectedNodes);
        AtLeast(corrected, auto.MeanCosine - 0.002, "auto + bias correction");
    }
}
