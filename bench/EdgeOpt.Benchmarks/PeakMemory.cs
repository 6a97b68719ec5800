using System.Globalization;
using EdgeOpt.Onnx;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// Peak resident memory of one load+save, read from /proc/self/status in a fresh process. BenchmarkDotNet's
/// MemoryDiagnoser sees managed allocations only; this also sees the mapped model pages and native memory.
/// </summary>
internal static class PeakMemory
{
    public static int Run(IReadOnlyList<string> args)
    {
        if (!OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine("peak-memory reads /proc/self/status and runs on Linux only");
            return 2;
        }
        var source = args.Count > 0 ? args[0] : BenchmarkFixtures.ResNet18;
        if (!File.Exists(source))
        {
            Console.Error.WriteLine($"model file '{source}' does not exist");
            return 2;
        }
        var fileBytes = new FileInfo(source).Length;
        var folder = BenchmarkFixtures.CreateScratchFolder();
        try
        {
            var before = ProcStatus.Read();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            ProcStatus whileLoaded;
            using (var model = Model.Load(source))
            {
                model.Save(Path.Combine(folder, "out.onnx"));
                whileLoaded = ProcStatus.Read();
            }
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            // VmHWM is synced from per-thread counters lazily; the RSS seen while loaded can be a little higher.
            var after = ProcStatus.Read();
            var peak = Math.Max(after.PeakRss, whileLoaded.Rss);

            Console.WriteLine($"model                       {source}");
            Console.WriteLine($"file size                   {Mb(fileBytes)}");
            Console.WriteLine($"RSS before load             {Mb(before.Rss)}  (runtime, JIT, nothing loaded yet)");
            Console.WriteLine($"peak RSS (VmHWM)            {Mb(peak)}  = {Ratio(peak, fileBytes)} x file size");
            Console.WriteLine($"peak RSS - RSS before load  {Mb(peak - before.Rss)}  = {Ratio(peak - before.Rss, fileBytes)} x file size");
            Console.WriteLine($"after save, model loaded    RSS {Mb(whileLoaded.Rss)}: anonymous {Mb(whileLoaded.RssAnon)}, file-backed {Mb(whileLoaded.RssFile)}");
            Console.WriteLine($"  growth since start        anonymous {Mb(whileLoaded.RssAnon - before.RssAnon)}, file-backed {Mb(whileLoaded.RssFile - before.RssFile)} (mapped model pages)");
            Console.WriteLine($"managed bytes allocated     {Mb(allocated)}  (load + save, GC.GetTotalAllocatedBytes)");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1_000_000.0,8:F1} MB");

    private static string Ratio(long bytes, long fileBytes) => string.Create(CultureInfo.InvariantCulture, $"{(double)bytes / fileBytes:F2}");

    /// <summary>The memory lines of /proc/self/status, in bytes.</summary>
    private readonly record struct ProcStatus(long PeakRss, long Rss, long RssAnon, long RssFile)
    {
        public static ProcStatus Read()
        {
            var fields = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                // e.g. "VmHWM:     123456 kB"
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0 || !line.EndsWith(" kB", StringComparison.Ordinal)) continue;
                var number = line.AsSpan(colon + 1, line.Length - colon - 4).Trim();
                if (long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var kb)) fields[line[..colon]] = kb * 1024;
            }
            return new ProcStatus(fields["VmHWM"], fields["VmRSS"], fields["RssAnon"], fields["RssFile"]);
        }
    }
}
