using System.Globalization;
using System.Diagnostics;
using EdgeOpt.Data;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// <c>interleaved-latency [--ort none|all] [--threads N] A.onnx B.onnx ...</c>: runs several models round-robin
/// (A B C A B C ...) on the same random input and prints each one's median latency and its ratio to the first.
/// Interleaving puts every model under the same machine load, which sequential benchmark runs on a shared 2-core VM
/// do not. <c>--threads N</c> gives every session N intra-op threads (one inter-op thread, sequential execution).
/// </summary>
internal static class InterleavedLatency
{
    private const int Warmup = 10;
    private const int Rounds = 100;

    public static int Run(string[] args)
    {
        var optimization = GraphOptimization.All;
        int? threads = null;
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--ort" && i + 1 < args.Length) optimization = args[++i] == "none" ? GraphOptimization.None : GraphOptimization.All;
            else if (args[i] == "--threads" && i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n > 0) { threads = n; i++; }
            else files.Add(args[i]);
        }
        if (files.Count == 0)
        {
            Console.Error.WriteLine("usage: interleaved-latency [--ort none|all] [--threads N] A.onnx B.onnx ...");
            return 2;
        }
        var sessions = files.Select(f => SessionFactory.Create(f, new SessionSettings { Optimization = optimization, IntraOpThreads = threads })).ToList();
        try
        {
            var inputs = files.Select(f =>
            {
                using var model = EdgeOpt.Onnx.Model.Load(f);
                return InputGenerator.Random(model, seed: 1).Select(kv => NamedOnnxValue.CreateFromTensor(kv.Key, ToDense(kv.Value))).ToList();
            }).ToList();
            var samples = files.Select(_ => new List<double>()).ToList();
            for (var round = 0; round < Warmup + Rounds; round++)
            {
                for (var k = 0; k < sessions.Count; k++)
                {
                    var watch = Stopwatch.StartNew();
                    using var results = sessions[k].Run(inputs[k]);
                    if (round >= Warmup) samples[k].Add(watch.Elapsed.TotalMilliseconds);
                }
            }
            var baseline = Median(samples[0]);
            Console.WriteLine($"ORT optimizations: {optimization}, intra-op threads: {threads?.ToString(CultureInfo.InvariantCulture) ?? "ORT default"}, {Rounds} interleaved rounds after {Warmup} warm-up rounds");
            Console.WriteLine("| Model | Median (ms) | p10 (ms) | p90 (ms) | Ratio |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            for (var k = 0; k < files.Count; k++)
            {
                var sorted = samples[k].Order().ToList();
                Console.WriteLine($"| {Path.GetFileName(files[k])} | {Median(sorted):F2} | {sorted[sorted.Count / 10]:F2} | {sorted[sorted.Count * 9 / 10]:F2} | {Median(sorted) / baseline:F3} |");
            }
            return 0;
        }
        finally
        {
            foreach (var s in sessions) s.Dispose();
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float> ToDense(EdgeOpt.Onnx.Tensor t) =>
        new(t.ToSingleArray(), t.Dims.Select(d => (int)d).ToArray());
}
