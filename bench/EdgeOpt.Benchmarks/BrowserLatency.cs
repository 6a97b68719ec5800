using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using EdgeOpt.Runtime;
using EdgeOpt.Web;
using EdgeOpt.Web.Serving;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// <c>browser-latency [MODEL] [--threads N] [--runs N] [--rounds N]</c>: steady-state latency of a model in headless
/// Chromium (onnxruntime-web, WASM backend with N threads, served cross-origin isolated by <see cref="BundleServer"/>)
/// against native ONNX Runtime with N intra-op threads, on the same input (the bundle's sample). Browser and native
/// rounds alternate (ABBA order) so both see the same load on a noisy shared VM; each round reports a p50 over
/// <c>--runs</c> inferences and the table gives the median over rounds and the ratio browser / native.
/// </summary>
internal static class BrowserLatency
{
    private const int Warmup = 3;

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        string? model = null;
        int threads = 2, runs = 20, rounds = 5;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--threads" or "--runs" or "--rounds" && i + 1 < args.Length)
            {
                if (!int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) || n <= 0)
                {
                    Console.Error.WriteLine($"{args[i]} '{args[i + 1]}' is not a positive integer");
                    return 2;
                }
                if (args[i] == "--threads") threads = n;
                else if (args[i] == "--runs") runs = n;
                else rounds = n;
                i++;
            }
            else model ??= args[i];
        }
        var source = model ?? BenchmarkFixtures.ResNet18;
        if (!File.Exists(source))
        {
            Console.Error.WriteLine($"model file '{source}' does not exist");
            return 2;
        }
        if (threads > WebBundleOptions.MaxThreads)
        {
            Console.Error.WriteLine($"--threads {threads} is out of range; a web bundle takes 1 to {WebBundleOptions.MaxThreads}");
            return 2;
        }

        var scratch = BenchmarkFixtures.CreateScratchFolder();
        try
        {
            Console.Error.WriteLine($"building a wasm bundle of {Path.GetFileName(source)} with {threads} threads…");
            var bundle = WebBundler.Build(source, Path.Combine(scratch, "web"),
                new WebBundleOptions { Backend = WebBackend.Wasm, Progressive = false, Threads = threads });
            var feeds = SampleFeeds(bundle.Folder);

            // Same graph optimization level as the page's session options (graphOptimizationLevel: 'all').
            using var session = SessionFactory.Create(source, new SessionSettings { IntraOpThreads = threads, Optimization = GraphOptimization.All });

            await using var server = new BundleServer();
            var url = await server.StartAsync(bundle.Folder);
            await using var chromium = await HeadlessChromium.LaunchAsync();
            await using var context = await chromium.Browser.NewContextAsync();
            var page = await context.NewPageAsync();
            Console.Error.WriteLine($"opening {url} in Chromium {chromium.Browser.Version}…");
            await page.GotoAsync(url.ToString());
            await HeadlessChromium.WaitReadyAsync(page, TimeSpan.FromMinutes(3));

            var isolated = await page.EvaluateAsync<bool>("() => window.edgeopt.crossOriginIsolated");
            var pageThreads = await page.EvaluateAsync<int>("() => window.edgeopt.threads");
            var backend = await page.EvaluateAsync<string>("() => window.edgeopt.backend");
            if (!isolated || pageThreads != threads || backend != "wasm")
            {
                Console.Error.WriteLine($"the page does not run what was asked: backend {backend} (expected wasm), {pageThreads} threads (expected {threads}), "
                    + $"crossOriginIsolated {isolated} (expected true)");
                return 1;
            }

            for (var i = 0; i < Warmup; i++) session.Run(feeds).Dispose();
            var benchmark = F($"() => window.edgeopt.benchmark({{ runs: {runs}, warmup: {Warmup} }}).then(b => b.p50)");
            var browser = new List<double>();
            var native = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                // ABBA: which side goes first alternates, so slow drift of the machine's load does not favour one.
                if (round % 2 == 0)
                {
                    browser.Add(await page.EvaluateAsync<double>(benchmark));
                    native.Add(NativeP50(session, feeds, runs));
                }
                else
                {
                    native.Add(NativeP50(session, feeds, runs));
                    browser.Add(await page.EvaluateAsync<double>(benchmark));
                }
                Console.Error.WriteLine(F($"round {round + 1}/{rounds}: browser p50 {browser[^1]:F2} ms, native p50 {native[^1]:F2} ms"));
            }

            Console.WriteLine(F($"model {Path.GetFileName(source)} ({new FileInfo(source).Length / 1e6:F1} MB), {threads} threads both sides, ")
                + F($"ORT graph optimization 'all' both sides (onnxruntime-web {OnnxRuntimeWeb.Version} wasm in Chromium {chromium.Browser.Version}; ")
                + F($"native ONNX Runtime {OrtEnv.Instance().GetVersionString()}), {runs} runs per round after {Warmup} warm-ups, {rounds} interleaved rounds"));
            Console.WriteLine("| Round | Browser p50 (ms) | Native p50 (ms) | Browser / native |");
            Console.WriteLine("|---:|---:|---:|---:|");
            for (var round = 0; round < rounds; round++)
                Console.WriteLine(F($"| {round + 1} | {browser[round]:F2} | {native[round]:F2} | {browser[round] / native[round]:F2} |"));
            var b = Stats.Median(browser);
            var n = Stats.Median(native);
            Console.WriteLine(F($"| median | {b:F2} | {n:F2} | {b / n:F2} |"));
            // Per-round ratios pair samples taken back to back, so they cancel load the two sides shared.
            Console.WriteLine(F($"browser / native, median of per-round ratios: {Stats.Median(browser.Zip(native, (x, y) => x / y).ToList()):F2}"));
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    // The input the page runs: bundle.json names each input, its shape and its raw little-endian sample file.
    private static List<NamedOnnxValue> SampleFeeds(string bundleFolder)
    {
        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundleFolder, WebBundler.ConfigFileName)));
        var feeds = new List<NamedOnnxValue>();
        foreach (var input in config.RootElement.GetProperty("inputs").EnumerateArray())
        {
            var name = input.GetProperty("name").GetString()!;
            if (input.GetProperty("type").GetString() != "float32")
                throw new NotSupportedException($"input '{name}' is {input.GetProperty("type").GetString()}; browser-latency feeds float32 inputs only");
            var shape = input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var data = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(bundleFolder, input.GetProperty("sample").GetString()!))).ToArray();
            feeds.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(data, shape)));
        }
        return feeds;
    }

    // p50 as the page computes it: the lower middle sample.
    private static double NativeP50(InferenceSession session, List<NamedOnnxValue> feeds, int runs)
    {
        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            session.Run(feeds).Dispose();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(samples);
        return samples[(runs - 1) / 2];
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
