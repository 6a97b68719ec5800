using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeOpt.Deployment;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.Quantization;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// <c>candidate-evaluation [--calib N] [--eval N] [--runs N]</c>: the deploy search's evaluation cost on ResNet18. Writes
/// N calibration crops of ten skimage photos and held-out crops of the six others as .npy files (ML.NET's
/// preprocessing), then evaluates eleven candidates (precisions, per-channel, threads, batch, mixed) for pixel-7 with one
/// <see cref="CandidateEvaluator"/>, as a search does, and prints a row per candidate with the wall time; then stores
/// the results and times the cached rerun (hash the inputs, build the specs, read every result back).
/// </summary>
internal static class CandidateEvaluationSpeed
{
    public static int Run(string[] args)
    {
        var calib = Option(args, "--calib", 100);
        var eval = Option(args, "--eval", 50);
        var runs = Option(args, "--runs", CandidateSpec.DefaultLatencyRuns);
        var folder = BenchmarkFixtures.CreateScratchFolder();
        try
        {
            var data = Path.Combine(folder, "crops");
            Directory.CreateDirectory(data);
            using (var model = Model.Load(BenchmarkFixtures.ResNet18))
            {
                var input = model.Graph.Inputs.Single(v => !v.IsInitializer).Name;
                using var calibration = new NaturalCropSource(BenchmarkFixtures.ResNet18, input, calib, seed: 1_000, PhotoCrops.CalibrationPhotos);
                using var heldOut = new NaturalCropSource(BenchmarkFixtures.ResNet18, input, eval, seed: 50_000, PhotoCrops.HeldOutPhotos);
                for (var i = 0; i < calib + eval; i++)
                    WriteNpy(Path.Combine(data, $"{i:D4}.npy"), i < calib ? calibration.Read(i)[input] : heldOut.Read(i - calib)[input]);
            }

            var total = Stopwatch.StartNew();
            var specs = Specs(data, calib, eval, runs);
            var hashing = total.Elapsed.TotalSeconds;
            var results = new List<CandidateResult>();
            using (var evaluator = new CandidateEvaluator())
            {
                foreach (var spec in specs)
                {
                    var result = evaluator.Evaluate(spec, null, CancellationToken.None);
                    results.Add(result);
                    Console.Error.WriteLine($"{result.Label}: {result.Status} in {result.EvaluationSeconds:F1} s {result.Reason}");
                }
                Console.WriteLine(Invariant($"ResNet18, {calib} calibration + {eval} held-out crops, {runs} interleaved latency runs, target pixel-7; {evaluator.CalibrationPasses} calibration pass(es); hashing inputs {hashing:F1} s; total {total.Elapsed.TotalSeconds:F1} s"));
            }
            Console.WriteLine();
            Console.WriteLine("| Candidate | Status | Size MB | Cosine | Top-1 agreement | Host p50 ms | Baseline p50 ms | Ratio | Peak MB | Target est. ms | Target est. MB | Eval s |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in results)
                Console.WriteLine(Invariant($"| {r.Label} | {r.Status}{(r.Reason is null ? "" : ": " + r.Reason)} | {r.SizeBytes / 1e6:F1} | {r.MeasuredCosine:F4} | {r.MeasuredTop1Agreement:P1} | {r.MeasuredLatencyP50Ms:F1} | {r.MeasuredBaselineP50Ms:F1} | {r.MeasuredLatencyP50Ms / r.MeasuredBaselineP50Ms:F2} | {r.MeasuredPeakMemoryBytes / 1e6:F0} | {r.EstimatedLatencyMs:F1} | {r.EstimatedMemoryBytes / 1e6:F1} | {r.EvaluationSeconds:F1} |"));

            // Cached rerun: what a second `deploy` pays before it has every result (hash inputs, make the specs, read the store).
            var storePath = Path.Combine(folder, "results.db");
            using (var store = ResultsStore.Open(storePath))
                foreach (var r in results) store.Put(r);
            var rerun = Stopwatch.StartNew();
            using (var store = ResultsStore.Open(storePath))
            {
                var hits = Specs(data, calib, eval, runs).Count(s => store.TryGet(s.ComputeKey()) is not null);
                Console.WriteLine();
                Console.WriteLine(Invariant($"cached rerun: {hits}/{results.Count} results from the store in {rerun.Elapsed.TotalSeconds:F2} s ({rerun.Elapsed.TotalSeconds / total.Elapsed.TotalSeconds:P1} of the first run)"));
            }
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static List<CandidateSpec> Specs(string data, int calib, int eval, int runs)
    {
        var model = BenchmarkFixtures.ResNet18;
        var template = new CandidateSpec
        {
            ModelPath = model,
            ModelSha256 = ContentHash.OfFile(model),
            Device = "pixel-7",
            DeviceSha256 = ContentHash.OfDevice("pixel-7"),
            Precision = CandidatePrecision.Fp32,
            Data = new CandidateData { Path = data, Sha256 = ContentHash.OfData(data), CalibrationSamples = calib, Samples = eval },
            LatencyRuns = runs,
            ToolVersion = CandidateSpec.CurrentToolVersion,
        };
        return
        [
            template,
            template with { Threads = 2 },
            template with { Precision = CandidatePrecision.Fp16 },
            template with { Precision = CandidatePrecision.Fp16, Threads = 2 },
            template with { Precision = CandidatePrecision.Int8Static },
            template with { Precision = CandidatePrecision.Int8Static, PerChannel = false },
            template with { Precision = CandidatePrecision.Int8Static, Threads = 2 },
            template with { Precision = CandidatePrecision.Int8Static, BatchSize = 4 },
            template with { Precision = CandidatePrecision.Int8Dynamic },
            template with { Precision = CandidatePrecision.Int4WeightOnly },
            template with { Precision = CandidatePrecision.Mixed, MixedTargetAccuracy = 0.9 },
        ];
    }

    // NumPy .npy v1.0: magic, header length, a Python dict literal padded so the data starts 64-byte aligned.
    private static void WriteNpy(string path, Tensor tensor)
    {
        var shape = string.Join(", ", tensor.Dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + (tensor.Dims.Count == 1 ? "," : "");
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({shape}), }}";
        var padded = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)padded.Length));
        file.Write(Encoding.ASCII.GetBytes(padded));
        file.Write(tensor.RawBytes);
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
