using EdgeOpt.Web;

namespace EdgeOpt.BrowserTests;

/// <summary>How the network is taken away after the first visit.</summary>
public enum NetworkLoss
{
    /// <summary>The server is stopped: nothing answers on its port.</summary>
    ServerStopped,

    /// <summary>The browser is offline (the server still runs and must see no request).</summary>
    BrowserOffline,
}

/// <summary>
/// A PWA bundle works offline after one visit: its service worker serves the page, the runtime kept on the page's
/// request and the verified model files, so a reload with no network runs inference with the same result.
/// </summary>
[Collection(Chromium.Collection)]
public sealed class OfflineTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    [Theory]
    [InlineData(NetworkLoss.ServerStopped)]
    [InlineData(NetworkLoss.BrowserOffline)]
    public async Task After_one_visit_a_reload_without_network_still_runs_inference(NetworkLoss loss)
    {
        using var work = new TempDir();
        var bundle = Path.Combine(work.Path, "web");
        WebBundler.Build(DemoModel.WriteTo(work.Path), bundle, DemoModel.ProgressiveOptions(pwa: true));
        var served = await ServedFolder.StartAsync(bundle, output);
        try
        {
            await using var session = await chromium.OpenAsync(output);
            var first = await BundlePage.OpenAsync(session.Page, served["index.html"]);
            var online = first.ReadyOutput();
            Assert.True(first.CrossOriginIsolated);
            await session.Page.WaitForFunctionAsync("() => edgeopt.offlineReady === true", null,
                new() { Timeout = (float)BundlePage.DefaultTimeout.TotalMilliseconds, PollingInterval = 100 });

            served.ClearRequests();
            if (loss == NetworkLoss.ServerStopped) await served.DisposeAsync();
            else await session.Context.SetOfflineAsync(true);

            var page = await BundlePage.ReloadAsync(session.Page);

            var offline = page.ReadyOutput();
            Assert.True(page.CrossOriginIsolated, "the service worker's cached responses must keep COOP/COEP");
            Assert.Equal(online.Dims, offline.Dims);
            // Same runtime, same thread count, same input: the same bits.
            Assert.Equal(online.Data, offline.Data);
            Assert.Equal(0, page.LoadStats!.Fetched);
            Assert.Equal(page.LoadStats.Files, page.LoadStats.CacheHits);
            Assert.Empty(served.Requests);
            Assert.True(await session.Page.EvaluateAsync<bool>("navigator.serviceWorker.controller !== null"), "the reloaded page should be served by the service worker");
        }
        finally
        {
            await served.DisposeAsync();
        }
    }
}
