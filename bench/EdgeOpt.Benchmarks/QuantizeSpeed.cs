using System.Diagnostics;
using System.Globalization;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Quantization;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// <c>quantize-speed [MODEL] [--samples N] [--method entropy|minmax|percentile] [--type int8|float16] [--out FILE]</c>: one INT8 static per-channel
/// quantization of ResNet18 (default) calibrated on N (100) random crops of the skimage photos, with the wall time split
/// into optimize, calibration inference, calibration statistics, plan + rewrite and writing the file. The crops are
/// prepared before the clock starts: a real run reads them from disk, which is not the tool's own work. <c>--out</c>
/// keeps the quantized model (for <c>interleaved-latency</c>); by default it goes to a scratch folder and is deleted.
/// <c>--type float16</c> converts instead (no calibration), to make the FP16 model for the latency comparison.
/// </summary>
internal static class QuantizeSpeed
{
    public static int Run(string[] args)
    {
        var path = BenchmarkFixtures.ResNet18;
        var samples = 100;
        var method = CalibrationMethod.Entropy;
        string? keep = null;
        var type = QuantizationType.Int8;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--samples" && i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n > 0) { samples = n; i++; }
            else if (args[i] == "--method" && i + 1 < args.Length && Enum.TryParse<CalibrationMethod>(args[i + 1], ignoreCase: true, out var m)) { method = m; i++; }
            else if (args[i] == "--type" && i + 1 < args.Length && Enum.TryParse<QuantizationType>(args[i + 1], ignoreCase: true, out var t)) { type = t; i++; }
            else if (args[i] == "--out" && i + 1 < args.Length) keep = args[++i];
            else if (!args[i].StartsWith("--", StringComparison.Ordinal)) path = args[i];
            else
            {
                Console.Error.WriteLine($"quantize-speed: unknown or incomplete option '{args[i]}'; usage: quantize-speed [MODEL] [--samples N] [--method entropy|minmax|percentile] [--type int8|float16] [--out FILE]");
                return 2;
            }
        }

        using var model = Model.Load(path);
        var input = model.Graph.Inputs.Single(v => !v.IsInitializer).Name;
        InMemorySampleSource? calibration = null;
        if (type == QuantizationType.Int8)
        {
            using var crops = new NaturalCropSource(BenchmarkFixtures.ResNet18, input, samples, seed: 1_000);
            calibration = new InMemorySampleSource(Enumerable.Range(0, crops.Count).Select(crops.Read).ToList(), description: crops.Description);
        }

        var quantizer = new Quantizer(new QuantizerOptions { Type = type, Method = method, PerChannel = true, KeepIoTypes = true });
        var total = Stopwatch.StartNew();
        using var result = quantizer.Quantize(model, calibration);
        var quantized = total.Elapsed;
        var folder = BenchmarkFixtures.CreateScratchFolder();
        try
        {
            var write = Stopwatch.StartNew();
            result.Model.Save(keep ?? Path.Combine(folder, "model.int8.onnx"));
            write.Stop();
            total.Stop();

            var inference = result.Calibration?.InferenceTime ?? TimeSpan.Zero;
            var statistics = result.Calibration?.StatisticsTime ?? TimeSpan.Zero;
            var accounted = result.OptimizeTime + inference + statistics + result.QuantizeTime;
            Console.WriteLine(type == QuantizationType.Int8
                ? Invariant($"{Path.GetFileName(path)}: int8 static per-channel, {method}, {result.Calibration?.Samples} samples ({calibration?.Description}); {HostDescription.Current}")
                : Invariant($"{Path.GetFileName(path)}: {type} (float32 inputs and outputs kept); {HostDescription.Current}"));
            Console.WriteLine("| Step | Seconds |");
            Console.WriteLine("|---|---:|");
            Row("optimize (graph passes + opset upgrade)", result.OptimizeTime);
            Row("calibration inference (ONNX Runtime)", inference);
            Row("calibration statistics (min/max, histograms, range search)", statistics);
            Row("plan + rewrite (QDQ or float16 conversion)", result.QuantizeTime);
            Row("other (validation, size accounting, copies)", quantized - accounted);
            Row("write file", write.Elapsed);
            Row("**total**", total.Elapsed);
            Console.WriteLine(Invariant($"size {result.BytesAfter:N0} / {result.BytesBefore:N0} B = {result.SizeRatio:F4}"));
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Row(string step, TimeSpan time) => Console.WriteLine(Invariant($"| {step} | {time.TotalSeconds:F2} |"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
