namespace EdgeOpt.BrowserTests;

/// <summary>
/// Proves the browser stack works on this machine: Debian's Chromium under Playwright, pages served by the real
/// BundleServer, and the platform features the web bundle relies on (isolation for threads, WebCrypto, Cache API, workers).
/// </summary>
[Collection(Chromium.Collection)]
public sealed class SmokeTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private const string Page = """
        <!doctype html>
        <html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>smoke</title></head><body>smoke</body></html>
        """;

    // Doubles what it is sent: proves a module worker loads same-origin under COEP and answers.
    private const string Worker = "self.onmessage = (e) => self.postMessage(e.data * 2);";

    [Fact]
    public async Task Served_page_is_cross_origin_isolated_with_webcrypto_cache_and_module_workers()
    {
        using var folder = new TempDir();
        folder.Write("index.html", Page);
        folder.Write("worker.mjs", Worker);
        await using var served = await ServedFolder.StartAsync(folder.Path, output);
        await using var session = await chromium.OpenAsync(output);
        output.WriteLine($"Chromium {chromium.Version} at {ChromiumFixture.Executable}, started in {chromium.StartupTime.TotalSeconds:F2} s");

        var response = await session.Page.GotoAsync(served["index.html"]);

        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        Assert.True(await session.Page.EvaluateAsync<bool>("crossOriginIsolated"));
        Assert.True(await session.Page.EvaluateAsync<bool>("isSecureContext"));
        Assert.Equal("function", await session.Page.EvaluateAsync<string>("typeof SharedArrayBuffer"));
        Assert.True(await session.Page.EvaluateAsync<bool>("typeof caches === 'object' && typeof caches.open === 'function'"));
        // SHA-256("abc"): the FIPS 180-2 test vector.
        var digest = await session.Page.EvaluateAsync<string>("""
            async () => {
              const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc'));
              return [...new Uint8Array(hash)].map(b => b.toString(16).padStart(2, '0')).join('');
            }
            """);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", digest);
        var doubled = await session.Page.EvaluateAsync<int>("""
            () => new Promise((resolve, reject) => {
              const worker = new Worker('worker.mjs', { type: 'module' });
              worker.onmessage = (e) => { worker.terminate(); resolve(e.data); };
              worker.onerror = (e) => reject(new Error('worker failed: ' + e.message));
              worker.postMessage(21);
            })
            """);
        Assert.Equal(42, doubled);
        Assert.Contains(session.Requests, r => r.Url == served["worker.mjs"]);
        Assert.Equal(["/index.html", "/worker.mjs"], served.Requests.Where(r => r.Status == 200).Select(r => r.Target));
        Assert.Empty(session.Errors);
    }
}
