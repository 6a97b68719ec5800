using System.Text.Json;
using Microsoft.Playwright;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// Drives a web bundle's demo page and reads what it reports (<c>window.edgeopt</c>, the progress bar, the outputs table)
/// once it has settled: ready or failed.
/// </summary>
internal static class BundlePage
{
    /// <summary>Long enough for ResNet18 (45 MB through the verifying loader, then a session) on a loaded 2-core CI machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    private const string Settled = "() => window.edgeopt !== undefined && (edgeopt.state === 'ready' || edgeopt.state === 'error')";

    // Only plain data crosses: edgeopt also holds the session and functions.
    private const string Snapshot = """
        () => {
          const e = window.edgeopt;
          const names = Object.keys(e.outputs ?? {});
          const first = names.length ? e.outputs[names[0]] : null;
          const topCell = document.querySelector('#outputs tr td');
          return {
            state: e.state, error: e.error ?? null, backend: e.backend ?? null, threads: e.threads ?? 0,
            crossOriginIsolated: e.crossOriginIsolated === true, offlineReady: e.offlineReady === true,
            progressEvents: e.progressEvents, progressBar: Number(document.getElementById('progress').value),
            loadStats: e.loadStats ?? null, topClass: topCell ? topCell.textContent : null,
            output: first ? { name: names[0], dims: first.dims, data: first.data } : null,
          };
        }
        """;

    public static async Task<PageState> OpenAsync(IPage page, string url, TimeSpan? timeout = null)
    {
        await page.GotoAsync(url);
        return await SettleAsync(page, timeout);
    }

    public static async Task<PageState> ReloadAsync(IPage page, TimeSpan? timeout = null)
    {
        await page.ReloadAsync();
        return await SettleAsync(page, timeout);
    }

    /// <summary>Waits until the page is ready or has failed, and reads its state.</summary>
    public static async Task<PageState> SettleAsync(IPage page, TimeSpan? timeout = null)
    {
        var limit = (float)(timeout ?? DefaultTimeout).TotalMilliseconds;
        await page.WaitForFunctionAsync(Settled, null, new PageWaitForFunctionOptions { Timeout = limit, PollingInterval = 100 });
        var snapshot = await page.EvaluateAsync<JsonElement>(Snapshot);
        return snapshot.Deserialize<PageState>(JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("the page reported no state");
    }

    /// <summary>The SHA-256 (hex) of what the page's model cache holds under <paramref name="url"/>; null when nothing.</summary>
    public static Task<string?> CachedSha256Async(IPage page, string url) => page.EvaluateAsync<string?>("""
        async (url) => {
          const hit = await (await caches.open('edgeopt-model-v1')).match(url);
          if (!hit) return null;
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await hit.arrayBuffer()));
          return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
        }
        """, url);
}

/// <summary>What the demo page reports once settled.</summary>
/// <param name="ProgressBar">The value of the page's progress element (0 to 1).</param>
/// <param name="TopClass">The first cell of the outputs table: the top class's label for a classifier.</param>
public sealed record PageState(
    string State, string? Error, string? Backend, int Threads, bool CrossOriginIsolated, bool OfflineReady,
    IReadOnlyList<double> ProgressEvents, double ProgressBar, LoadStats? LoadStats, string? TopClass, PageOutput? Output)
{
    /// <summary>The outputs; fails the test with the page's error when it did not get ready.</summary>
    public PageOutput ReadyOutput()
    {
        Assert.True(State == "ready", $"the page ended in state '{State}': {Error}");
        return Output ?? throw new InvalidOperationException("the page is ready but reports no output");
    }
}

/// <summary>The loader's statistics (<c>edgeopt.loadStats</c>).</summary>
public sealed record LoadStats(
    int Files, int LoadedChunks, int Fetched, int CacheHits, int Retries, int Invalidated,
    long BytesFetched, long BytesFromCache, long TotalBytes, double Seconds, double MbPerSecond, IReadOnlyList<Rejection> Rejected);

/// <summary>A file the loader refused, and why.</summary>
public sealed record Rejection(string File, string Reason);

/// <summary>The page's first model output.</summary>
public sealed record PageOutput(string Name, IReadOnlyList<long> Dims, IReadOnlyList<float> Data);
