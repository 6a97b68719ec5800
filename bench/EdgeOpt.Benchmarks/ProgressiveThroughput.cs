using System.Diagnostics;
using System.Globalization;
using EdgeOpt.Progressive;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// Chunking + hashing throughput of <see cref="ProgressivePackager"/> against a plain copy of the same model file,
/// interleaved run by run so both see the same page cache and disk state. Throughput is model file bytes / wall time.
/// </summary>
internal static class ProgressiveThroughput
{
    public static int Run(IReadOnlyList<string> args)
    {
        string? model = null;
        var runs = 7;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--runs" && i + 1 < args.Count) runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else model ??= args[i];
        }
        var source = model ?? BenchmarkFixtures.ResNet18;
        if (!File.Exists(source))
        {
            Console.Error.WriteLine($"model file '{source}' does not exist");
            return 2;
        }
        var bytes = new FileInfo(source).Length;
        var options = new ProgressiveOptions { ChunkSize = 4 * 1024 * 1024 };
        var folder = BenchmarkFixtures.CreateScratchFolder();
        try
        {
            // Warm-up: JIT, page cache.
            ProgressivePackager.Package(source, Path.Combine(folder, "warm"), options);
            File.Copy(source, Path.Combine(folder, "warm.onnx"));

            var package = new List<double>();
            var copy = new List<double>();
            var streamCopy = new List<double>();
            // CPU time (all threads) next to wall time: on a shared 2-core machine it is the steadier number.
            var packageCpu = new List<double>();
            var copyCpu = new List<double>();
            var streamCopyCpu = new List<double>();
            var process = Process.GetCurrentProcess();
            for (var i = 0; i < runs; i++)
            {
                var cpu = CpuSeconds(process);
                var sw = Stopwatch.StartNew();
                ProgressivePackager.Package(source, Path.Combine(folder, $"p{i}"), options);
                package.Add(sw.Elapsed.TotalSeconds);
                packageCpu.Add(CpuSeconds(process) - cpu);

                cpu = CpuSeconds(process);
                sw.Restart();
                File.Copy(source, Path.Combine(folder, $"c{i}.onnx"));
                copy.Add(sw.Elapsed.TotalSeconds);
                copyCpu.Add(CpuSeconds(process) - cpu);

                cpu = CpuSeconds(process);
                sw.Restart();
                using (var from = File.OpenRead(source))
                using (var to = File.Create(Path.Combine(folder, $"s{i}.onnx")))
                    from.CopyTo(to, 1 << 20);
                streamCopy.Add(sw.Elapsed.TotalSeconds);
                streamCopyCpu.Add(CpuSeconds(process) - cpu);
            }
            var p = Stats.Median(package);
            var c = Stats.Median(copy);
            Console.WriteLine(F($"model              {source} ({bytes / 1e6:F1} MB), chunk size 4 MiB, {runs} interleaved runs, medians"));
            Console.WriteLine(F($"package (chunk+hash+write)  {p * 1000,8:F1} ms  {bytes / p / 1e6,8:F1} MB/s  cpu {Stats.Median(packageCpu) * 1000,8:F1} ms"));
            var s = Stats.Median(streamCopy);
            Console.WriteLine(F($"File.Copy (in-kernel)       {c * 1000,8:F1} ms  {bytes / c / 1e6,8:F1} MB/s  cpu {Stats.Median(copyCpu) * 1000,8:F1} ms"));
            Console.WriteLine(F($"stream copy (1 MiB buffer)  {s * 1000,8:F1} ms  {bytes / s / 1e6,8:F1} MB/s  cpu {Stats.Median(streamCopyCpu) * 1000,8:F1} ms"));
            Console.WriteLine(F($"ratio vs File.Copy          {c / p:F2}  (target >= 0.5)"));
            Console.WriteLine(F($"ratio vs stream copy        {s / p:F2}"));
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double CpuSeconds(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime.TotalSeconds;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
