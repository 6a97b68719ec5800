using System.Text;
using EdgeOpt.Progressive;
using Microsoft.Playwright;

namespace EdgeOpt.BrowserTests;

/// <summary>How the intercepted first response for a chunk is damaged.</summary>
public enum ChunkDamage
{
    /// <summary>The real bytes with one byte flipped.</summary>
    FlippedByte,

    /// <summary>The first half of the real bytes.</summary>
    Truncated,

    /// <summary>An HTML page (status 200, text/html), as a misconfigured server or captive portal answers.</summary>
    HtmlPage,

    /// <summary>The same HTML page labelled application/octet-stream.</summary>
    HtmlAsOctetStream,
}

/// <summary>
/// The page's loader never uses or keeps a bad chunk: one that arrives damaged (corrupt, truncated, HTML in its place)
/// or sits damaged in the Cache API is rejected with a reason, evicted and fetched again; one that never arrives intact
/// fails the load with an error naming it.
/// </summary>
[Collection(Chromium.Collection)]
public sealed class CorruptChunkTests(ChromiumFixture chromium, ServedDemoBundle bundle, ITestOutputHelper output) : IClassFixture<ServedDemoBundle>
{
    // Measured max |WASM - native MLAS| on the demo's logits for the bundle's seeded random sample (larger logits than a
    // real image's): 1.5e-5 to 2.3e-5. 5e-4 absolute is a 20x margin; a wrong weight moves the logits by whole units.
    private const double LogitTolerance = 5e-4;

    private const string Html = "<!doctype html><html><head><title>Not found</title></head><body>Sorry, this page is gone.</body></html>";

    private static readonly string[] RetryReasons = ["SHA-256 mismatch", "truncated: received", "HTML (text/html", "HTML page instead of binary data"];

    [Theory]
    [InlineData(ChunkDamage.FlippedByte, 0)]
    [InlineData(ChunkDamage.Truncated, 1)]
    [InlineData(ChunkDamage.HtmlPage, 2)]
    [InlineData(ChunkDamage.HtmlAsOctetStream, 3)]
    public async Task A_damaged_chunk_is_rejected_fetched_again_and_only_its_good_bytes_are_cached(ChunkDamage damage, int reason)
    {
        var chunk = TargetChunk();
        await using var session = await chromium.OpenAsync(output);
        var intercepted = 0;
        await session.Page.RouteAsync(bundle.Served["model/" + chunk.File], async route =>
        {
            // Only the first answer is damaged (and never reaches the server); the retry goes through.
            if (Interlocked.Increment(ref intercepted) == 1) await route.FulfillAsync(Damaged(chunk, damage));
            else await route.ContinueAsync();
        });
        bundle.Served.ClearRequests();

        var page = await BundlePage.OpenAsync(session.Page, bundle.Served["index.html"]);

        Outputs.AssertClose(bundle.Expected, page.ReadyOutput().Data, LogitTolerance, output);
        var rejected = Assert.Single(page.LoadStats!.Rejected);
        output.WriteLine($"rejected {rejected.File}: {rejected.Reason}");
        Assert.Equal(chunk.File, rejected.File);
        Assert.Contains(RetryReasons[reason], rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(1, page.LoadStats.Retries);
        Assert.Equal(2, intercepted);
        // The server delivered the chunk once: the retry (the damaged answer came from the route).
        Assert.Single(ModelDownloads.Delivered(bundle.Served), chunk.File);
        Assert.Equal(chunk.Sha256, await BundlePage.CachedSha256Async(session.Page, bundle.Served["model/" + chunk.File]));
    }

    [Fact]
    public async Task A_damaged_chunk_in_the_cache_is_evicted_and_fetched_again()
    {
        var chunk = TargetChunk();
        var url = bundle.Served["model/" + chunk.File];
        await using var session = await chromium.OpenAsync(output);
        bundle.Served.ClearRequests();
        var first = await BundlePage.OpenAsync(session.Page, bundle.Served["index.html"]);
        first.ReadyOutput();
        var files = first.LoadStats!.Files;
        Assert.Equal(files, first.LoadStats.Fetched);
        await session.Page.EvaluateAsync("""
            async (url) => {
              const cache = await caches.open('edgeopt-model-v1');
              const bytes = new Uint8Array(await (await cache.match(url)).arrayBuffer());
              bytes[bytes.length >> 1] ^= 0xff;
              await cache.put(url, new Response(bytes, { headers: { 'Content-Type': 'application/octet-stream' } }));
            }
            """, url);
        Assert.NotEqual(chunk.Sha256, await BundlePage.CachedSha256Async(session.Page, url));
        bundle.Served.ClearRequests();

        var page = await BundlePage.ReloadAsync(session.Page);

        Outputs.AssertClose(bundle.Expected, page.ReadyOutput().Data, LogitTolerance, output);
        var rejected = Assert.Single(page.LoadStats!.Rejected);
        Assert.Equal(chunk.File, rejected.File);
        Assert.Contains("cached copy did not match its SHA-256", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(1, page.LoadStats.Fetched);
        Assert.Equal(files - 1, page.LoadStats.CacheHits);
        Assert.Equal([chunk.File], ModelDownloads.Delivered(bundle.Served));
        Assert.Equal(chunk.Sha256, await BundlePage.CachedSha256Async(session.Page, url));
    }

    [Fact]
    public async Task A_chunk_that_never_arrives_intact_fails_the_load_naming_it_after_three_attempts()
    {
        var chunk = TargetChunk();
        await using var session = await chromium.OpenAsync(output);
        var intercepted = 0;
        await session.Page.RouteAsync(bundle.Served["model/" + chunk.File], async route =>
        {
            Interlocked.Increment(ref intercepted);
            await route.FulfillAsync(Damaged(chunk, ChunkDamage.FlippedByte));
        });

        var page = await BundlePage.OpenAsync(session.Page, bundle.Served["index.html"]);

        Assert.Equal("error", page.State);
        output.WriteLine($"page error: {page.Error}");
        Assert.NotNull(page.Error);
        Assert.Contains(chunk.File, page.Error, StringComparison.Ordinal);
        Assert.Contains("gave up after 3 attempts", page.Error, StringComparison.Ordinal);
        Assert.Equal(3, intercepted);
        Assert.Null(await BundlePage.CachedSha256Async(session.Page, bundle.Served["model/" + chunk.File]));
        Assert.Equal("error", await session.Page.GetAttributeAsync("#status", "class"));
    }

    // The largest chunk: it arrives in several reads, so a bad byte must be caught across them.
    private ManifestChunk TargetChunk() => DemoModel.Manifest(bundle.Folder).Chunks.MaxBy(c => c.Size)!;

    private RouteFulfillOptions Damaged(ManifestChunk chunk, ChunkDamage damage)
    {
        var bytes = File.ReadAllBytes(Path.Combine(bundle.Folder, "model", chunk.File));
        var (body, type) = damage switch
        {
            ChunkDamage.FlippedByte => (Flip(bytes), "application/octet-stream"),
            ChunkDamage.Truncated => (bytes[..(bytes.Length / 2)], "application/octet-stream"),
            ChunkDamage.HtmlPage => (Encoding.UTF8.GetBytes(Html), "text/html; charset=utf-8"),
            ChunkDamage.HtmlAsOctetStream => (Encoding.UTF8.GetBytes(Html), "application/octet-stream"),
            _ => throw new ArgumentOutOfRangeException(nameof(damage), damage, null),
        };
        return new RouteFulfillOptions
        {
            Status = 200,
            BodyBytes = body,
            Headers = new Dictionary<string, string> { ["Content-Type"] = type, ["Cross-Origin-Resource-Policy"] = "same-origin" },
        };
    }

    private static byte[] Flip(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        copy[copy.Length / 2] ^= 0xff;
        return copy;
    }
}
