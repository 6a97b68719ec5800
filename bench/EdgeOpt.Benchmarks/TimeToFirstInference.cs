using System.Globalization;
using System.Text.Json;
using EdgeOpt.Web;
using EdgeOpt.Web.Serving;
using Microsoft.Playwright;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// <c>time-to-first-inference [MODEL] [--bandwidth MBps] [--latency-ms N] [--rounds N] [--chunk-size SIZE]</c>: how long
/// after navigation the first inference finishes (the page's <c>timeToFirstInferenceMs</c>) for a progressive bundle
/// (content-addressed chunks, downloaded 4 at a time, verified, kept in the Cache API) against a monolithic one (one model
/// file), under Chromium's network throttling (CDP <c>Network.emulateNetworkConditions</c>). Per round and bundle, in a
/// fresh browser profile (on-disk HTTP cache, as a real visitor has): cold (empty caches), warm (a reload: model from the
/// Cache API, runtime revalidated from the HTTP cache), and model cold, runtime warm (Cache API emptied, then a reload:
/// isolates model loading). Progressive and monolithic alternate their order per round. Bytes transferred are the page's
/// resource-timing transferSize (0 for cache hits), the runtime's files also shown apart.
/// </summary>
internal static class TimeToFirstInference
{
    private static readonly string[] Phases = ["cold", "warm", "model cold, runtime warm"];

    // What the page reports after each load; transfer bytes are resource-timing transferSize (0 for cache hits).
    private const string ReadLoad = """
        () => ({
          ttfi: window.edgeopt.timeToFirstInferenceMs,
          bytesFetched: window.edgeopt.loadStats.bytesFetched,
          cacheHits: window.edgeopt.loadStats.cacheHits,
          loaderSeconds: window.edgeopt.loadStats.seconds,
          runtimeTransferred: performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.startsWith('/ort/'))
            .reduce((sum, e) => sum + (e.transferSize || 0), 0),
          transferred: [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
            .reduce((sum, e) => sum + (e.transferSize || 0), 0),
        })
        """;

    private const string ClearModelCache = "async () => { for (const name of await caches.keys()) await caches.delete(name); }";

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        string? model = null;
        // 20 MB/s and 20 ms: a good home or office link. Slow enough that the ~60 MB of runtime + ResNet18 dominates
        // (about 3 s per cold load), fast enough that 3 rounds x 2 bundles x 3 loads stay under 3 minutes on 2 cores.
        double bandwidth = 20, latency = 20;
        int rounds = 3;
        long chunkSize = 4 * 1024 * 1024;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--bandwidth" or "--latency-ms" or "--rounds" or "--chunk-size" && i + 1 < args.Length)
            {
                var option = args[i];
                var text = args[++i];
                var ok = option switch
                {
                    "--bandwidth" => double.TryParse(text, CultureInfo.InvariantCulture, out bandwidth) && bandwidth > 0,
                    "--latency-ms" => double.TryParse(text, CultureInfo.InvariantCulture, out latency) && latency >= 0,
                    "--rounds" => int.TryParse(text, CultureInfo.InvariantCulture, out rounds) && rounds > 0,
                    _ => TryParseSize(text, out chunkSize),
                };
                if (!ok)
                {
                    Console.Error.WriteLine($"{option} '{text}' is not valid; expected " + option switch
                    {
                        "--bandwidth" => "MB/s > 0, e.g. 20",
                        "--latency-ms" => "milliseconds >= 0, e.g. 20",
                        "--rounds" => "a positive integer",
                        _ => "a size such as 4MiB, 512KiB or 1048576",
                    });
                    return 2;
                }
            }
            else model ??= args[i];
        }
        var source = model ?? BenchmarkFixtures.ResNet18;
        if (!File.Exists(source))
        {
            Console.Error.WriteLine($"model file '{source}' does not exist");
            return 2;
        }

        var scratch = BenchmarkFixtures.CreateScratchFolder();
        try
        {
            Console.Error.WriteLine($"building progressive and monolithic wasm bundles of {Path.GetFileName(source)}…");
            var progressive = WebBundler.Build(source, Path.Combine(scratch, "progressive"),
                new WebBundleOptions { Backend = WebBackend.Wasm, Progressive = true, ChunkSize = chunkSize, Threads = 2 });
            var monolithic = WebBundler.Build(source, Path.Combine(scratch, "monolithic"),
                new WebBundleOptions { Backend = WebBackend.Wasm, Progressive = false, Threads = 2 });
            var bundles = new[] { (Name: "progressive", Bundle: progressive), (Name: "monolithic", Bundle: monolithic) };

            await using var progressiveServer = new BundleServer();
            await using var monolithicServer = new BundleServer();
            var urls = new[] { await progressiveServer.StartAsync(progressive.Folder), await monolithicServer.StartAsync(monolithic.Folder) };
            await using var chromium = await HeadlessChromium.LaunchAsync();
            var conditions = new Dictionary<string, object>
            {
                ["offline"] = false,
                ["latency"] = latency,
                ["downloadThroughput"] = bandwidth * 1e6,
                ["uploadThroughput"] = bandwidth * 1e6,
            };

            var loads = new List<Load>();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var k in round % 2 == 0 ? new[] { 0, 1 } : [1, 0])
                {
                    // A fresh profile per load sequence: cold caches, and a disk HTTP cache like a real visitor's.
                    await using var context = await chromium.LaunchProfileAsync(Path.Combine(scratch, $"profile-{round}-{k}"));
                    var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
                    var cdp = await context.NewCDPSessionAsync(page);
                    await cdp.SendAsync("Network.enable");
                    await cdp.SendAsync("Network.emulateNetworkConditions", conditions);

                    await page.GotoAsync(urls[k].ToString());
                    loads.Add(await ReadAsync(page, bundles[k].Name, Phases[0], round));
                    await page.ReloadAsync();
                    loads.Add(await ReadAsync(page, bundles[k].Name, Phases[1], round));
                    await page.EvaluateAsync(ClearModelCache);
                    await page.ReloadAsync();
                    loads.Add(await ReadAsync(page, bundles[k].Name, Phases[2], round));
                }
            }

            var runtimeMb = progressive.BytesOf(WebBundleFileKind.Runtime) / 1e6;
            Console.WriteLine(F($"model {Path.GetFileName(source)}: progressive {progressive.Manifest.Chunks.Count} chunks of {chunkSize / 1048576.0:0.##} MiB ")
                + F($"({progressive.BytesOf(WebBundleFileKind.Model) / 1e6:F1} MB), monolithic one file ({monolithic.BytesOf(WebBundleFileKind.Model) / 1e6:F1} MB); ")
                + F($"onnxruntime-web {OnnxRuntimeWeb.Version} wasm runtime {runtimeMb:F1} MB (throttled too), 2 threads"));
            Console.WriteLine(F($"Chromium {chromium.Browser.Version}, throttled to {bandwidth:0.##} MB/s down and up, {latency:0.##} ms latency; {rounds} interleaved rounds, medians"));
            Console.WriteLine("| Bundle | Load | TTFI (ms) | Model loader (s) | Model bytes fetched | Cache hits | Bytes transferred | of which runtime |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
            foreach (var phase in Phases)
            {
                foreach (var (name, _) in bundles)
                {
                    var of = loads.Where(l => l.Bundle == name && l.Phase == phase).ToList();
                    Console.WriteLine(F($"| {name} | {phase} | {Stats.Median(of.Select(l => l.Ttfi)):F0} | {Stats.Median(of.Select(l => l.LoaderSeconds)):F1} | {Stats.Median(of.Select(l => l.BytesFetched)) / 1e6:F1} MB | ")
                        + F($"{Stats.Median(of.Select(l => (double)l.CacheHits)):F0} | {Stats.Median(of.Select(l => l.Transferred)) / 1e6:F1} MB | {Stats.Median(of.Select(l => l.RuntimeTransferred)) / 1e6:F1} MB |"));
                }
            }
            foreach (var phase in Phases)
            {
                var ratios = Enumerable.Range(0, rounds).Select(r =>
                    loads.Single(l => l.Round == r && l.Phase == phase && l.Bundle == "progressive").Ttfi
                    / loads.Single(l => l.Round == r && l.Phase == phase && l.Bundle == "monolithic").Ttfi);
                Console.WriteLine(F($"progressive / monolithic TTFI, {phase}: {Stats.Median(ratios):F2} (median of per-round ratios)"));
            }
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task<Load> ReadAsync(IPage page, string bundle, string phase, int round)
    {
        await HeadlessChromium.WaitReadyAsync(page, TimeSpan.FromMinutes(3));
        var r = await page.EvaluateAsync<JsonElement>(ReadLoad);
        var load = new Load(bundle, phase, round, r.GetProperty("ttfi").GetDouble(), r.GetProperty("bytesFetched").GetDouble(),
            r.GetProperty("cacheHits").GetInt32(), r.GetProperty("loaderSeconds").GetDouble(), r.GetProperty("transferred").GetDouble(),
            r.GetProperty("runtimeTransferred").GetDouble());
        Console.Error.WriteLine(F($"round {round + 1} {bundle,-11} {phase,-24} TTFI {load.Ttfi,7:F0} ms, model fetched {load.BytesFetched / 1e6,5:F1} MB, ")
            + F($"cache hits {load.CacheHits,2}, loader {load.LoaderSeconds,5:F1} s, transferred {load.Transferred / 1e6,5:F1} MB (runtime {load.RuntimeTransferred / 1e6,4:F1} MB)"));
        return load;
    }

    private static bool TryParseSize(string text, out long bytes)
    {
        var s = text.Trim();
        var split = 0;
        while (split < s.Length && char.IsDigit(s[split])) split++;
        long multiplier = s[split..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KB" => 1000,
            "MB" => 1_000_000,
            "KIB" => 1L << 10,
            "MIB" => 1L << 20,
            _ => 0,
        };
        bytes = multiplier > 0 && long.TryParse(s[..split], CultureInfo.InvariantCulture, out var n) && n > 0 && n <= (1L << 40) / multiplier ? n * multiplier : 0;
        return bytes > 0;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed record Load(
        string Bundle, string Phase, int Round, double Ttfi, double BytesFetched, int CacheHits, double LoaderSeconds, double Transferred, double RuntimeTransferred);
}
