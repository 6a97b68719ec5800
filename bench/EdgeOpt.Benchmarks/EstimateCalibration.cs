using System.Diagnostics;
using System.Globalization;
using EdgeOpt.Analysis;
using EdgeOpt.Data;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// <c>estimate-calibration [--runs N]</c>: compares <see cref="LatencyEstimator"/>'s prediction for this host
/// (<see cref="HostProbe"/>'s measured peaks and bandwidth) with ONNX Runtime's median latency, on one thread and
/// on all threads, for the demo CNN, ResNet18 and a transformer-like encoder. For one thread the CPU peak is
/// divided by the logical core count (bandwidth kept: one core cannot stream all of it either, so this favours
/// the estimate). Prints a markdown table for docs/benchmarks.md.
/// </summary>
internal static class EstimateCalibration
{
    private const int Warmup = 5;

    public static int Run(string[] args)
    {
        var runs = args is ["--runs", var r] && int.TryParse(r, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 30;
        var host = HostProbe.Current;
        var device = host.ToEdgeDevice();
        var cores = Environment.ProcessorCount;
        var cpu = device.BestUnit(ComputeUnitKind.Cpu, Precision.Fp32)!;
        var singleCore = device with
        {
            ComputeUnits = [cpu with { PeakGops = cpu.PeakGops.ToDictionary(kv => kv.Key, kv => kv.Value / cores), Name = cpu.Name + " (one core)" }],
        };

        Console.WriteLine($"Host: {HostDescription.Current}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Host device (HostProbe, measured): fp32 peak {cpu.PeakGops[Precision.Fp32]:0.#} GOPS, bandwidth {device.MemoryBandwidthGBps:0.#} GB/s, {cores} logical cores"));
        Console.WriteLine($"Latency: ONNX Runtime {OrtEnv.Instance().GetVersionString()} CPU provider, all graph optimizations, median of {runs} runs after {Warmup} warm-up runs");
        Console.WriteLine();
        var isa = device with { ComputeUnits = [cpu with { PeakGops = host.TheoreticalPeakGops, Name = cpu.Name + " (ISA peak)" }] };
        var isaSingle = isa with { ComputeUnits = [isa.ComputeUnits[0] with { PeakGops = host.TheoreticalPeakGops.ToDictionary(kv => kv.Key, kv => kv.Value / cores) }] };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ISA-derived fp32 peak: {host.TheoreticalPeakGops.GetValueOrDefault(Precision.Fp32):0.#} GOPS ({host.PeakMethod})"));
        Console.WriteLine();
        Console.WriteLine("| Model | MACs | Threads | Measured p50 (ms) | Estimated, measured peak (ms) | Error | Estimated, ISA peak (ms) | Error |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, load) in Models())
        {
            using var model = load();
            var bytes = model.ToBytes();
            foreach (var threads in new[] { 1, cores })
            {
                var estimate = LatencyEstimator.Estimate(model, threads == 1 ? singleCore : device);
                var fromIsa = host.TheoreticalPeakGops.Count > 0 ? LatencyEstimator.Estimate(model, threads == 1 ? isaSingle : isa).TotalMs : double.NaN;
                var measured = Measure(bytes, model, threads, runs);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {estimate.TotalMacs / 1e6:0.#} M | {threads} | {measured:0.###} | {estimate.TotalMs:0.###} | {(estimate.TotalMs - measured) / measured:+0%;-0%} | {fromIsa:0.###} | {(fromIsa - measured) / measured:+0%;-0%} |"));
            }
        }
        return 0;
    }

    private static IEnumerable<(string Name, Func<Model> Load)> Models()
    {
        yield return ("demo CNN (fashion-cnn.onnx)", () => Model.Load(FindDemoModel()));
        yield return ("ResNet18 (1x3x224x224)", () => Model.Load(BenchmarkFixtures.ResNet18));
        yield return ("transformer-like (4 layers, seq 128, hidden 256)", () => TransformerModel.Build());
    }

    private static double Measure(byte[] bytes, Model model, int threads, int runs)
    {
        using var session = SessionFactory.Create(bytes, new SessionSettings { IntraOpThreads = threads });
        var inputs = InputGenerator.Random(model, seed: 1).Select(kv => NamedOnnxValue.CreateFromTensor(kv.Key,
            new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(kv.Value.ToSingleArray(), kv.Value.Dims.Select(d => (int)d).ToArray()))).ToList();
        var samples = new List<double>(runs);
        for (var i = 0; i < Warmup + runs; i++)
        {
            var watch = Stopwatch.StartNew();
            using var results = session.Run(inputs);
            if (i >= Warmup) samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        samples.Sort();
        return samples[samples.Count / 2];
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
