using System.Diagnostics;
using System.Globalization;
using EdgeOpt.Cli;
using EdgeOpt.Cli.Commands;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Progressive;
using EdgeOpt.Pruning;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Quantization;
using Microsoft.ML.OnnxRuntime;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// <c>pruning-figures [--parts curve,demo,int8,unstructured] [--samples N] [--held-out N] [--rounds N]</c>: the pruning
/// figures of docs/benchmarks.md, each as a markdown table.
/// <list type="bullet">
/// <item><c>curve</c>: ResNet18 (NuGet featurizer) structured to 0.9/0.8/0.7/0.6/0.5× MACs, with and without
/// reconstruction on N (100) crops of ten skimage photos; mean cosine to FP32 on held-out crops of the six other photos;
/// prune time; latency at 1 thread, every model interleaved with FP32 in one run, as FP32 ÷ pruned.</item>
/// <item><c>demo</c>: the embedded Fashion-MNIST CNN to 0.6× and 0.5× MACs, reconstructed on the 100 embedded
/// calibration images (and not), top-1 on the 1,000 embedded test images.</item>
/// <item><c>int8</c>: ResNet18 pruned to 0.75× MACs with reconstruction, then static INT8 (auto, per-channel) calibrated
/// on the pruned model; cosine to FP32 and 1-thread latency interleaved with FP32, INT8 alone and the pruned FP32.</item>
/// <item><c>unstructured</c>: ResNet18 2:4 and 50% (magnitude per layer, with and without the second-order update):
/// cosine, zipped size, progressive package size (files and gzip of each as an HTTP server sends them), and 1-thread
/// latency interleaved with FP32 (ONNX Runtime densifies: no speedup expected).</item>
/// </list>
/// </summary>
internal static class PruningFigures
{
    private static int s_rounds = 40;

    public static int Run(string[] args)
    {
        var parts = new[] { "curve", "demo", "int8", "unstructured" };
        var samples = 100;
        var heldOut = 50;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--parts" && i + 1 < args.Length) parts = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries);
            else if (args[i] == "--samples" && i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n > 0) { samples = n; i++; }
            else if (args[i] == "--held-out" && i + 1 < args.Length && int.TryParse(args[i + 1], out var h) && h > 0) { heldOut = h; i++; }
            else if (args[i] == "--rounds" && i + 1 < args.Length && int.TryParse(args[i + 1], out var r) && r > 0) { s_rounds = r; i++; }
            else
            {
                Console.Error.WriteLine($"pruning-figures: unknown or incomplete option '{args[i]}'; usage: pruning-figures [--parts curve,demo,int8,unstructured] [--samples N] [--held-out N] [--rounds N]");
                return 2;
            }
        }
        Console.WriteLine(Invariant($"{HostDescription.Current}; latency: 1 intra-op thread, ORT all optimizations, {s_rounds} interleaved rounds after 5 warm-up rounds (median)"));
        foreach (var part in parts)
        {
            switch (part)
            {
                case "curve": Curve(samples, heldOut); break;
                case "demo": Demo(samples); break;
                case "int8": PruneThenInt8(samples, heldOut); break;
                case "unstructured": Unstructured(samples, heldOut); break;
                default:
                    Console.Error.WriteLine($"pruning-figures: unknown part '{part}' (curve, demo, int8, unstructured)");
                    return 2;
            }
        }
        return 0;
    }

    /// <summary>ResNet18, its calibration crops (ten photos) and held-out crops (the six others).</summary>
    private sealed class ResNet18Set : IDisposable
    {
        /// <param name="allPhotos">Calibrate on crops of all sixteen photos (other crops than the held-out ones); else on the ten calibration photos only.</param>
        public ResNet18Set(int samples, int heldOut, bool allPhotos = false)
        {
            Model = Model.Load(BenchmarkFixtures.ResNet18);
            var input = Model.Graph.Inputs.Single(v => !v.IsInitializer).Name;
            using var calibration = allPhotos
                ? new NaturalCropSource(BenchmarkFixtures.ResNet18, input, samples, seed: 7_000, EdgeOpt.Tests.Optimization.NaturalImages.Photos)
                : new NaturalCropSource(BenchmarkFixtures.ResNet18, input, samples, seed: 1_000, PhotoCrops.CalibrationPhotos);
            Calibration = new InMemorySampleSource(Enumerable.Range(0, samples).Select(calibration.Read).ToList(), description: calibration.Description);
            using var held = new NaturalCropSource(BenchmarkFixtures.ResNet18, input, heldOut, seed: 50_000, PhotoCrops.HeldOutPhotos);
            HeldOut = Enumerable.Range(0, heldOut).Select(held.Read).ToList();
            Reference = CalibrationStudy.Outputs(Model, HeldOut);
        }

        public Model Model { get; }
        public ISampleSource Calibration { get; }
        public IReadOnlyList<IReadOnlyDictionary<string, Tensor>> HeldOut { get; }
        public IReadOnlyList<float[][]> Reference { get; }

        /// <summary>Mean over held-out crops of the cosine to FP32 (averaged over outputs).</summary>
        public double MeanCosine(Model model)
        {
            var actual = CalibrationStudy.Outputs(model, HeldOut);
            return actual.Select((a, i) => Reference[i].Zip(a, CalibrationStudy.Cosine).Average()).Average();
        }

        public void Dispose() => Model.Dispose();
    }

    /// <summary>Channel counts kept at multiples of 16: MLAS's AVX-512 NCHWc convolutions work in blocks of 16 channels, so other counts are padded and run no faster.</summary>
    private const int RoundTo = 16;

    private static void Curve(int samples, int heldOut)
    {
        using var set = new ResNet18Set(samples, heldOut, allPhotos: true);
        Console.WriteLine();
        Console.WriteLine(Invariant($"ResNet18 structured (activation importance, round-to {RoundTo}; {samples} calibration crops of all 16 photos, {heldOut} other crops of the six held-out photos)"));
        Console.WriteLine("| Target MACs | Reconstruct | MACs reached | Parameters | Mean cosine (held-out) | Prune s | Speed vs FP32 (1 thread) |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
        var rows = new List<(double Target, bool Reconstruct, PruningResult Result, double Cosine, double Seconds)>();
        try
        {
            foreach (var target in new[] { 0.9, 0.8, 0.7, 0.6, 0.5 })
                foreach (var reconstruct in new[] { false, true })
                {
                    var (result, seconds) = Prune(set.Model, set.Calibration, new PruningOptions { TargetMacs = target, Reconstruct = reconstruct, RoundTo = RoundTo, Importance = ChannelImportance.Activation });
                    rows.Add((target, reconstruct, result, set.MeanCosine(result.Model), seconds));
                }
            var speed = Interleave([set.Model, .. rows.Select(r => r.Result.Model)], set.HeldOut[0]);
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                Console.WriteLine(Invariant($"| {r.Target:0.0} | {(r.Reconstruct ? "yes" : "no")} | {r.Result.MacRatio:0.000} | {(double)r.Result.ParametersAfter / r.Result.ParametersBefore:0.000} | {r.Cosine:0.0000} | {r.Seconds:0.0} | {speed[0] / speed[i + 1]:0.00}× |"));
            }
            Console.WriteLine(Invariant($"FP32 median {speed[0]:0.0} ms"));
            // The strict protocol: calibrated on ten photos, measured on six photos it never saw.
            using var unseen = new ResNet18Set(samples, heldOut);
            var (strict, strictSeconds) = Prune(unseen.Model, unseen.Calibration, new PruningOptions { TargetMacs = 0.75, Reconstruct = true, RoundTo = RoundTo, Importance = ChannelImportance.Activation });
            using (strict)
                Console.WriteLine(Invariant($"Calibrated on the ten calibration photos only: 0.75 target, {strict.MacRatio:0.000}× MACs, reconstructed, mean cosine on the six unseen photos {unseen.MeanCosine(strict.Model):0.0000} ({strictSeconds:0.0} s)"));
        }
        finally
        {
            foreach (var r in rows) r.Result.Dispose();
        }
    }

    private static void Demo(int samples)
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var images = DemoAssets.CalibrationSet();
        var input = model.Graph.Inputs[0].Name;
        var calibration = new LabelledImageSource(images, input, [1, 1, images.Rows, images.Cols]);
        var test = DemoAssets.TestSet();
        var baseline = Top1(model, test);
        Console.WriteLine();
        Console.WriteLine(Invariant($"Demo model (Fashion-MNIST CNN): {Math.Min(samples, calibration.Count)} embedded calibration images, top-1 on the {test.Count:N0} embedded test images; FP32 top-1 {100 * baseline:0.0} %"));
        Console.WriteLine("| Target MACs | Reconstruct | MACs reached | Parameters | Top-1 | Drop (points) | Prune s |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
        foreach (var target in new[] { 0.6, 0.5 })
            foreach (var reconstruct in new[] { false, true })
            {
                var (result, seconds) = Prune(model, calibration, new PruningOptions { TargetMacs = target, Reconstruct = reconstruct, Samples = samples });
                using (result)
                {
                    var top1 = Top1(result.Model, test);
                    Console.WriteLine(Invariant($"| {target:0.0} | {(reconstruct ? "yes" : "no")} | {result.MacRatio:0.000} | {(double)result.ParametersAfter / result.ParametersBefore:0.000} | {100 * top1:0.0} % | {100 * (baseline - top1):0.0} | {seconds:0.0} |"));
                }
            }
    }

    private static void PruneThenInt8(int samples, int heldOut)
    {
        using var set = new ResNet18Set(samples, heldOut, allPhotos: true);
        var int8Options = new QuantizerOptions { Type = QuantizationType.Int8, Method = CalibrationMethod.Auto, PerChannel = true };
        var (pruned, pruneSeconds) = Prune(set.Model, set.Calibration, new PruningOptions { TargetMacs = 0.75, Reconstruct = true, RoundTo = RoundTo, Importance = ChannelImportance.Activation });
        using (pruned)
        {
            using var int8 = new Quantizer(int8Options).Quantize(set.Model, set.Calibration);
            var clock = Stopwatch.StartNew();
            using var prunedInt8 = new Quantizer(int8Options).Quantize(pruned.Model, set.Calibration);
            var quantizeSeconds = clock.Elapsed.TotalSeconds;
            Model[] models = [set.Model, int8.Model, pruned.Model, prunedInt8.Model];
            var cosines = models.Select(set.MeanCosine).ToList();
            var speed = Interleave(models, set.HeldOut[0]);
            string[] names = ["FP32", "INT8 (static, per-channel)", Invariant($"pruned {pruned.MacRatio:0.000}× MACs, reconstructed (FP32)"), "pruned + INT8"];
            Console.WriteLine();
            Console.WriteLine(Invariant($"ResNet18 pruned to 0.75× MACs (round-to {RoundTo}) with reconstruction ({pruneSeconds:0.0} s), then static INT8 calibrated on the pruned model ({quantizeSeconds:0.0} s)"));
            Console.WriteLine("| Model | Size | Mean cosine to FP32 (held-out) | Median ms (1 thread) | Speed vs FP32 |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            for (var i = 0; i < models.Length; i++)
                Console.WriteLine(Invariant($"| {names[i]} | {models[i].CalculateSerializedSize() / 1048576.0:0.0} MiB | {cosines[i]:0.0000} | {speed[i]:0.0} | {speed[0] / speed[i]:0.00}× |"));
        }
    }

    private static void Unstructured(int samples, int heldOut)
    {
        using var set = new ResNet18Set(samples, heldOut);
        var configurations = new (string Name, PruningOptions Options)[]
        {
            ("2:4, magnitude", new PruningOptions { Kind = PruningKind.Unstructured, Pattern = SparsityPattern.TwoFour }),
            ("2:4, magnitude + second-order", new PruningOptions { Kind = PruningKind.Unstructured, Pattern = SparsityPattern.TwoFour, SecondOrderUpdate = true }),
            ("50 %, magnitude", new PruningOptions { Kind = PruningKind.Unstructured, Sparsity = 0.5 }),
            ("50 %, magnitude + second-order", new PruningOptions { Kind = PruningKind.Unstructured, Sparsity = 0.5, SecondOrderUpdate = true }),
        };
        var results = new List<(string Name, PruningResult Result, double Seconds)>();
        var folder = BenchmarkFixtures.CreateScratchFolder();
        try
        {
            foreach (var (name, options) in configurations)
            {
                var (result, seconds) = Prune(set.Model, set.Calibration, options);
                results.Add((name, result, seconds));
            }
            Model[] models = [set.Model, .. results.Select(r => r.Result.Model)];
            var speed = Interleave(models, set.HeldOut[0]);
            Console.WriteLine();
            Console.WriteLine(Invariant($"ResNet18 unstructured on every Conv/Gemm ({samples} calibration crops for the second-order update; cosine on {heldOut} held-out crops)"));
            Console.WriteLine("| Model | Zeros | Mean cosine (held-out) | .onnx | zip | Progressive package (files / gzip) | Prune s | Speed vs FP32 (1 thread) |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (var i = 0; i < models.Length; i++)
            {
                var model = models[i];
                var name = i == 0 ? "FP32" : results[i - 1].Name;
                var zeros = i == 0 ? "" : Invariant($"{100.0 * results[i - 1].Result.Layers.Sum(l => l.Zeros) / results[i - 1].Result.Layers.Sum(l => l.Elements):0.0} %");
                var cosine = i == 0 ? 1 : set.MeanCosine(model);
                var (files, gzip) = PackageBytes(model, Path.Combine(folder, i.ToString(CultureInfo.InvariantCulture)));
                var seconds = i == 0 ? "" : Invariant($"{results[i - 1].Seconds:0.0}");
                Console.WriteLine(Invariant($"| {name} | {zeros} | {cosine:0.0000} | {Mib(model.CalculateSerializedSize())} | {Mib(CompressedSizes.Zip(model.ToBytes()))} | {Mib(files)} / {Mib(gzip)} | {seconds} | {speed[0] / speed[i]:0.00}× |"));
            }
        }
        finally
        {
            foreach (var r in results) r.Result.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (PruningResult Result, double Seconds) Prune(Model model, ISampleSource data, PruningOptions options)
    {
        var clock = Stopwatch.StartNew();
        var result = new Pruner(options).Prune(model, data);
        return (result, clock.Elapsed.TotalSeconds);
    }

    private static double Top1(Model model, LabelledImages test)
    {
        using var session = SessionFactory.Create(model);
        return ModelEvaluator.Evaluate(session, test).Top1;
    }

    /// <summary>Median latency of each model at 1 intra-op thread, run round-robin on the same input so all see the same machine state.</summary>
    private static double[] Interleave(IReadOnlyList<Model> models, IReadOnlyDictionary<string, Tensor> sample)
    {
        var settings = new SessionSettings { Optimization = GraphOptimization.All, IntraOpThreads = 1 };
        var sessions = models.Select(m => SessionFactory.Create(m, settings)).ToList();
        var names = sample.Keys.ToArray();
        var values = names.Select(n => OrtTensors.ToOrtValue(sample[n])).ToList();
        try
        {
            var times = models.Select(_ => new List<double>()).ToList();
            for (var round = 0; round < 5 + s_rounds; round++)
            {
                // Alternate the order so no model always runs right after the same one.
                var order = round % 2 == 0 ? Enumerable.Range(0, sessions.Count) : Enumerable.Range(0, sessions.Count).Reverse();
                foreach (var k in order)
                {
                    using var runOptions = new RunOptions();
                    var start = Stopwatch.GetTimestamp();
                    using var outputs = sessions[k].Run(runOptions, names, values, sessions[k].OutputNames);
                    if (round >= 5) times[k].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
            return times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
            foreach (var s in sessions) s.Dispose();
        }
    }

    /// <summary>The progressive package's bytes on disk, and gzip of each of its files (what a server with compression sends).</summary>
    private static (long Files, long Gzip) PackageBytes(Model model, string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "model.onnx");
        model.Save(path);
        var package = Path.Combine(folder, "package");
        ProgressivePackager.Package(path, package, new ProgressiveOptions());
        long files = 0, gzip = 0;
        foreach (var file in Directory.EnumerateFiles(package, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            files += bytes.Length;
            gzip += CompressedSizes.Gzip(bytes);
        }
        return (files, gzip);
    }

    private static string Mib(long bytes) => Invariant($"{bytes / 1048576.0:0.0} MiB");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
