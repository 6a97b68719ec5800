using Microsoft.Playwright;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// The page's loader (loader.js) against a server that misbehaves on purpose, through Playwright routes on one chunk:
/// a 503 with Retry-After, a body cut short, a connection reset, a stall, a chunk that changes between attempts and a 206 for the wrong
/// range are each retried and the page gets ready with the right outputs; a lasting 503 fails naming the chunk, and the
/// next visit fetches only that chunk. Short stall timeout through <c>self.edgeoptLoaderOptions</c>.
/// </summary>
[Collection(Chromium.Collection)]
public sealed class LoaderFaultTests(ChromiumFixture chromium, ServedDemoBundle bundle, ITestOutputHelper output) : IClassFixture<ServedDemoBundle>
{
    private const double LogitTolerance = 5e-4; // as in CorruptChunkTests
    private const string LoaderOptions = "self.edgeoptLoaderOptions = { stallTimeoutMs: 1000 };";

    public enum Misbehaviour { Unavailable, CutShort, Reset, Stall, Changing, WrongRange }

    [Theory]
    [InlineData(Misbehaviour.Unavailable, 1, "HTTP 503")]
    [InlineData(Misbehaviour.CutShort, 1, "truncated: received")]
    [InlineData(Misbehaviour.Reset, 1, "the connection broke after 0 bytes")]
    [InlineData(Misbehaviour.Stall, 1, "stalled: nothing received for 1000 ms")]
    [InlineData(Misbehaviour.Changing, 2, "SHA-256 mismatch")]
    [InlineData(Misbehaviour.WrongRange, 1, "HTTP 206 Partial Content (bytes 100-")]
    public async Task A_passing_fault_is_retried_and_the_page_gets_ready(Misbehaviour fault, int times, string reason)
    {
        var chunk = DemoModel.Manifest(bundle.Folder).Chunks.MaxBy(c => c.Size)!;
        var url = bundle.Served["model/" + chunk.File];
        await using var session = await chromium.OpenAsync(output);
        await session.Page.AddInitScriptAsync(LoaderOptions);
        var intercepted = 0;
        await session.Page.RouteAsync(url, async route =>
        {
            var n = Interlocked.Increment(ref intercepted);
            if (n > times) await route.ContinueAsync();
            else await MisbehaveAsync(route, fault, chunk.File, n);
        });

        var page = await BundlePage.OpenAsync(session.Page, bundle.Served["index.html"]);

        Outputs.AssertClose(bundle.Expected, page.ReadyOutput().Data, LogitTolerance, output);
        Assert.Equal(times, page.LoadStats!.Retries);
        Assert.Equal(times, page.LoadStats.Rejected.Count);
        foreach (var rejected in page.LoadStats.Rejected)
        {
            output.WriteLine($"rejected {rejected.File}: {rejected.Reason}");
            Assert.Equal(chunk.File, rejected.File);
            Assert.Contains(reason, rejected.Reason, StringComparison.Ordinal);
        }
        Assert.Equal(chunk.Sha256, await BundlePage.CachedSha256Async(session.Page, url));
    }

    [Fact]
    public async Task A_lasting_503_fails_naming_the_chunk_and_the_next_visit_fetches_only_it()
    {
        var manifest = DemoModel.Manifest(bundle.Folder);
        var chunk = manifest.Chunks.MaxBy(c => c.Size)!;
        var url = bundle.Served["model/" + chunk.File];
        await using var session = await chromium.OpenAsync(output);
        await session.Page.AddInitScriptAsync(LoaderOptions);
        await session.Page.RouteAsync(url, route => MisbehaveAsync(route, Misbehaviour.Unavailable, chunk.File, 1));

        var failed = await BundlePage.OpenAsync(session.Page, bundle.Served["index.html"]);

        Assert.Equal("error", failed.State);
        output.WriteLine($"page error: {failed.Error}");
        Assert.Contains(chunk.File, failed.Error, StringComparison.Ordinal);
        Assert.Contains("HTTP 503", failed.Error, StringComparison.Ordinal);
        Assert.Contains("gave up after 3 attempts", failed.Error, StringComparison.Ordinal);
        Assert.Null(await BundlePage.CachedSha256Async(session.Page, url));
        // The other files finish in the background; wait until they are cached (manifest + graph + other chunks).
        var cachedWanted = manifest.Chunks.Count + 1;
        await session.Page.WaitForFunctionAsync(
            "async (n) => (await (await caches.open('edgeopt-model-v1')).keys()).length >= n", cachedWanted,
            new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 100 });

        await session.Page.UnrouteAsync(url);
        var page = await BundlePage.ReloadAsync(session.Page);

        Outputs.AssertClose(bundle.Expected, page.ReadyOutput().Data, LogitTolerance, output);
        Assert.Equal(1, page.LoadStats!.Fetched);
        Assert.Equal(page.LoadStats.Files - 1, page.LoadStats.CacheHits);
        Assert.Equal(chunk.Sha256, await BundlePage.CachedSha256Async(session.Page, url));
    }

    [Fact]
    public async Task A_package_replaced_during_the_load_fails_saying_so_without_retrying_the_missing_chunk()
    {
        var chunk = DemoModel.Manifest(bundle.Folder).Chunks.MaxBy(c => c.Size)!;
        var manifestUrl = bundle.Served["model/manifest.json"];
        var original = await File.ReadAllTextAsync(Path.Combine(bundle.Folder, "model", "manifest.json"));
        await using var session = await chromium.OpenAsync(output);
        await session.Page.AddInitScriptAsync(LoaderOptions);
        var manifests = 0;
        var chunkRequests = 0;
        // After the first manifest the server "publishes" another one (here: the same JSON, reformatted), and the
        // loaded manifest's chunk is gone.
        await session.Page.RouteAsync(manifestUrl, async route =>
        {
            if (Interlocked.Increment(ref manifests) == 1) await route.ContinueAsync();
            else await route.FulfillAsync(new() { Status = 200, Body = original + "\n", Headers = Headers("application/json") });
        });
        await session.Page.RouteAsync(bundle.Served["model/" + chunk.File], async route =>
        {
            Interlocked.Increment(ref chunkRequests);
            await route.FulfillAsync(new() { Status = 404, Body = "gone", Headers = Headers("text/plain") });
        });

        var page = await BundlePage.OpenAsync(session.Page, bundle.Served["index.html"]);

        Assert.Equal("error", page.State);
        output.WriteLine($"page error: {page.Error}");
        Assert.Equal($"{chunk.File}: HTTP 404 Not Found; manifest.json changed while this load ran (the package was replaced): reload", page.Error);
        Assert.Equal(1, chunkRequests);
    }

    private async Task MisbehaveAsync(IRoute route, Misbehaviour fault, string file, int attempt)
    {
        var bytes = File.ReadAllBytes(Path.Combine(bundle.Folder, "model", file));
        switch (fault)
        {
            case Misbehaviour.Unavailable:
                await route.FulfillAsync(new() { Status = 503, Body = "busy", Headers = Headers("text/plain", ("Retry-After", "1")) });
                break;
            case Misbehaviour.CutShort:
                // Half the bytes under a Content-Length promising all of them: what a connection dropped mid-body delivers
                // (Playwright sends the body it has and fixes the length, so the loader sees a short 200).
                await route.FulfillAsync(new() { Status = 200, BodyBytes = bytes[..(bytes.Length / 2)], Headers = Headers("application/octet-stream", ("Content-Length", bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))) });
                break;
            case Misbehaviour.Reset:
                await route.AbortAsync("connectionreset");
                break;
            case Misbehaviour.Stall:
                // Never answer within the stall timeout; by the time this gives up, the loader has retried.
                await Task.Delay(TimeSpan.FromSeconds(5));
                try { await route.AbortAsync(); } catch (PlaywrightException) { }
                break;
            case Misbehaviour.Changing:
                bytes[attempt * 7 % bytes.Length] ^= 0x5A;
                await route.FulfillAsync(new() { Status = 200, BodyBytes = bytes, Headers = Headers("application/octet-stream") });
                break;
            case Misbehaviour.WrongRange:
                await route.FulfillAsync(new() { Status = 206, BodyBytes = bytes[100..], Headers = Headers("application/octet-stream", ("Content-Range", $"bytes 100-{bytes.Length - 1}/{bytes.Length}")) });
                break;
        }
    }

    private static Dictionary<string, string> Headers(string type, params (string Name, string Value)[] more)
    {
        var headers = new Dictionary<string, string> { ["Content-Type"] = type, ["Cross-Origin-Resource-Policy"] = "same-origin" };
        foreach (var (name, value) in more) headers[name] = value;
        return headers;
    }
}
