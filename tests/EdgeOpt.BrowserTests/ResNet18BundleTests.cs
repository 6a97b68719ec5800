using Microsoft.Playwright;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// ResNet18 in the browser: the progressive bundle runs under BundleServer's COOP/COEP headers with WASM threads and
/// gives native ONNX Runtime's output; without those headers the page makes the single-thread fall-back visible.
/// </summary>
[Collection(Chromium.Collection)]
public sealed class ResNet18BundleTests(ChromiumFixture chromium, ResNet18Bundle bundle, ITestOutputHelper output) : IClassFixture<ResNet18Bundle>
{
    // Measured max |WASM - native MLAS| on the 512 features: 7.6e-6 (float32 summation order through 18 layers); 2e-4
    // absolute leaves room for other CPUs' kernels while a wrong or missing weight chunk moves features by far more.
    private const double FeatureTolerance = 2e-4;

    [Fact]
    public async Task Runs_cross_origin_isolated_with_threads_and_matches_native_onnx_runtime()
    {
        await using var session = await chromium.OpenAsync(output);

        var page = await BundlePage.OpenAsync(session.Page, bundle.Served["index.html"]);

        var actual = page.ReadyOutput();
        Assert.True(page.CrossOriginIsolated, "BundleServer's COOP/COEP headers should make the page cross-origin isolated");
        Assert.Equal("wasm", page.Backend);
        Assert.Equal(ResNet18Bundle.Threads, page.Threads);
        Assert.Equal(DemoModel.Manifest(bundle.Folder).Chunks.Count, page.LoadStats!.LoadedChunks);
        Outputs.AssertClose(bundle.Expected, actual.Data, FeatureTolerance, output);
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Without_coop_and_coep_the_page_reports_one_thread_and_no_isolation()
    {
        await using var session = await chromium.OpenAsync(output);
        // The same page, its document stripped of the two headers that grant cross-origin isolation.
        await session.Page.RouteAsync(bundle.Served["index.html"], async route =>
        {
            var response = await route.FetchAsync();
            var headers = response.Headers
                .Where(h => !h.Key.Equals("Cross-Origin-Opener-Policy", StringComparison.OrdinalIgnoreCase)
                         && !h.Key.Equals("Cross-Origin-Embedder-Policy", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(h => h.Key, h => h.Value);
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Headers = headers });
        });

        var page = await BundlePage.OpenAsync(session.Page, bundle.Served["index.html"]);

        var actual = page.ReadyOutput();
        Assert.False(page.CrossOriginIsolated);
        Assert.Equal(1, page.Threads);
        Assert.Contains("not cross-origin isolated", await session.Page.TextContentAsync("#threads"), StringComparison.Ordinal);
        // Still correct, only slower: the fall-back is silent in onnxruntime-web and visible on this page.
        Outputs.AssertClose(bundle.Expected, actual.Data, FeatureTolerance, output);
    }
}
