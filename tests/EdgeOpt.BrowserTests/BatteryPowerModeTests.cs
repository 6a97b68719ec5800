using System.Text.Json;
using EdgeOpt.Web;
using Microsoft.Playwright;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// The page's power modes driven by the Battery Status API. Headless Chromium reports a full, charging battery, so the
/// low-battery path uses a stand-in <c>navigator.getBattery()</c> (an EventTarget with level and charging, as a
/// BatteryManager is) installed before the page's scripts run; another test removes the API, as Firefox and Safari lack it.
/// </summary>
[Collection(Chromium.Collection)]
public sealed class BatteryPowerModeTests(ChromiumFixture chromium, BatteryPowerModeTests.TwoThreadBundle bundle,
    BatteryPowerModeTests.PerformanceBundle performance, ITestOutputHelper output)
    : IClassFixture<BatteryPowerModeTests.TwoThreadBundle>, IClassFixture<BatteryPowerModeTests.PerformanceBundle>
{
    private const double LogitTolerance = 5e-4; // seeded random sample: larger logits (see BackendSelectionTests)

    // WebPowerConfig.Default: battery-saver at or below 20 %, one thread, 2 inferences/s; balanced 10/s.
    private const int SaverRate = 2;

    private const string FakeBattery = """
        (() => {
          const battery = new EventTarget();
          Object.assign(battery, { level: 0.15, charging: false, chargingTime: Infinity, dischargingTime: 5400 });
          Object.defineProperty(Navigator.prototype, 'getBattery', { configurable: true, value: () => Promise.resolve(battery) });
          window.__testBattery = battery;
        })();
        """;

    private const string NoBatteryApi = "delete Navigator.prototype.getBattery;";

    [Fact]
    public async Task A_bundle_built_for_performance_without_a_saver_level_stays_in_performance_on_a_low_battery()
    {
        await using var session = await chromium.OpenAsync(output);
        await session.Page.AddInitScriptAsync(FakeBattery);
        var page = await BundlePage.OpenAsync(session.Page, performance.Served["index.html"]);

        Outputs.AssertClose(bundle.Expected, page.ReadyOutput().Data, LogitTolerance, output);
        Assert.Equal("15 %, not charging", await session.Page.TextContentAsync("#battery"));
        var power = await PowerAsync(session.Page);
        Assert.Equal(("performance", "bundle", TwoThreadBundle.Threads, "none"), (power.Mode, power.Source, power.Threads, power.RateCap));
        Assert.Contains("performance whatever the battery", await session.Page.TextContentAsync("#power-rule"), StringComparison.Ordinal);
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task A_battery_discharging_at_15_percent_puts_the_page_in_battery_saver_with_one_thread_and_a_rate_cap()
    {
        await using var session = await chromium.OpenAsync(output);
        await session.Page.AddInitScriptAsync(FakeBattery);
        var page = await BundlePage.OpenAsync(session.Page, bundle.Served["index.html"]);

        Outputs.AssertClose(bundle.Expected, page.ReadyOutput().Data, LogitTolerance, output);
        Assert.True(page.CrossOriginIsolated, "two threads need a cross-origin isolated page, or the drop to one proves nothing");
        Assert.Equal("15 %, not charging", await session.Page.TextContentAsync("#battery"));
        var power = await PowerAsync(session.Page);
        Assert.Equal(("battery-saver", "battery", 1, SaverRate.ToString(System.Globalization.CultureInfo.InvariantCulture)), (power.Mode, power.Source, power.Threads, power.RateCap));
        Assert.Equal(1, page.Threads);
        Assert.Contains("at or below 20 %", power.Text, StringComparison.Ordinal);
        Assert.Contains("at or below 20 %", await session.Page.TextContentAsync("#power-rule"), StringComparison.Ordinal);
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Without_getBattery_the_page_says_not_reported_and_runs_in_the_bundles_mode()
    {
        await using var session = await chromium.OpenAsync(output);
        await session.Page.AddInitScriptAsync(NoBatteryApi);
        var page = await BundlePage.OpenAsync(session.Page, bundle.Served["index.html"]);

        Outputs.AssertClose(bundle.Expected, page.ReadyOutput().Data, LogitTolerance, output);
        Assert.Equal("not reported by this browser", await session.Page.TextContentAsync("#battery"));
        var power = await PowerAsync(session.Page);
        Assert.Equal(("balanced", "bundle", TwoThreadBundle.Threads, "10"), (power.Mode, power.Source, power.Threads, power.RateCap));
        Assert.Equal(TwoThreadBundle.Threads, page.Threads);
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Plugging_in_leaves_battery_saver_on_a_runtime_with_the_bundles_threads_and_a_low_level_brings_it_back()
    {
        await using var session = await chromium.OpenAsync(output);
        await session.Page.AddInitScriptAsync(FakeBattery);
        var page = session.Page;
        (await BundlePage.OpenAsync(page, bundle.Served["index.html"])).ReadyOutput();
        Assert.Equal(1, (await PowerAsync(page)).Threads);
        // One thread: onnxruntime-web starts no pthread worker (Emscripten's pool holds threads - 1).
        Assert.DoesNotContain(page.Workers, IsPthreadWorker);

        await SetBatteryAsync(page, level: 0.15, charging: true);
        var plugged = await WaitForModeAsync(page, "balanced");
        Assert.Equal("15 %, charging", await page.TextContentAsync("#battery"));
        Assert.Contains(page.Workers, IsPthreadWorker);
        Assert.Equal((TwoThreadBundle.Threads, "10"), (plugged.Threads, plugged.RateCap));
        // Two threads need a second onnxruntime-web instance (its thread count is fixed when it starts): the new session
        // must really run, and give the same logits.
        Assert.Single(session.Requests, r => r.Url.Contains(".mjs?threads=2", StringComparison.Ordinal));
        Outputs.AssertClose(bundle.Expected, await RunAsync(page), LogitTolerance, output);

        // Unplugged at 50 %: above the threshold, still balanced; draining to exactly 20 % is at the threshold: saver.
        await SetBatteryAsync(page, level: 0.5, charging: false);
        Assert.Equal("balanced", (await WaitForBatteryTextAsync(page, "50 %, not charging")).Mode);
        await SetBatteryAsync(page, level: 0.2, charging: false);
        var saver = await WaitForModeAsync(page, "battery-saver");
        Assert.Equal((1, "2"), (saver.Threads, saver.RateCap));
        Outputs.AssertClose(bundle.Expected, await RunAsync(page), LogitTolerance, output);
        // Back on the first runtime: no third copy imported.
        Assert.Single(session.Requests, r => r.Url.Contains(".mjs?threads=", StringComparison.Ordinal));
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task In_battery_saver_the_continuous_run_is_held_to_the_rate_cap_and_every_inference_is_right()
    {
        await using var session = await chromium.OpenAsync(output);
        await session.Page.AddInitScriptAsync(FakeBattery);
        var page = session.Page;
        (await BundlePage.OpenAsync(page, bundle.Served["index.html"])).ReadyOutput();
        Assert.Equal("battery-saver", (await PowerAsync(page)).Mode);

        await page.ClickAsync("#loop");
        await page.WaitForFunctionAsync("() => edgeopt.continuous.runs >= 4", null, new() { Timeout = 60_000 });
        await page.ClickAsync("#loop");
        var starts = await page.EvaluateAsync<double[]>("() => edgeopt.continuous.starts");
        Assert.True(starts.Length >= 4, $"expected at least 4 recorded starts, got {starts.Length}");
        // The loop waits until 1/cap s after each start before the next: a spacing the page enforces, not a speed it
        // measures. 1 ms of slack for the clock's rounding.
        for (var i = 1; i < starts.Length; i++)
            Assert.True(starts[i] - starts[i - 1] >= (1000.0 / SaverRate) - 1, $"runs {i - 1} and {i} started {starts[i] - starts[i - 1]:F1} ms apart; the cap allows one per {1000 / SaverRate} ms");
        Assert.Equal("Run continuously", await page.TextContentAsync("#loop"));

        var last = await BundlePage.SettleAsync(page);
        Outputs.AssertClose(bundle.Expected, last.ReadyOutput().Data, LogitTolerance, output);
        // The benchmark does a fixed amount of work, so it is not paced; it runs on the saver's single thread.
        var bench = await page.EvaluateAsync<JsonElement>("() => edgeopt.benchmark({ runs: 3, warmup: 1 })");
        Assert.Equal("battery-saver", bench.GetProperty("mode").GetString());
        Assert.Equal(1, bench.GetProperty("threads").GetInt32());
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task The_url_parameter_and_the_select_override_the_battery_and_automatic_gives_it_back()
    {
        await using var session = await chromium.OpenAsync(output);
        await session.Page.AddInitScriptAsync(FakeBattery);
        var page = session.Page;
        (await BundlePage.OpenAsync(page, bundle.Served["index.html?power=performance"])).ReadyOutput();

        var fromUrl = await PowerAsync(page);
        Assert.Equal(("performance", "url", TwoThreadBundle.Threads, "none"), (fromUrl.Mode, fromUrl.Source, fromUrl.Threads, fromUrl.RateCap));
        Assert.Equal("performance", await page.InputValueAsync("#power-mode"));

        await page.SelectOptionAsync("#power-mode", "auto");
        var automatic = await WaitForModeAsync(page, "battery-saver");
        Assert.Equal(("battery", 1), (automatic.Source, automatic.Threads));
        Assert.DoesNotContain("power=", page.Url, StringComparison.Ordinal);

        await page.SelectOptionAsync("#power-mode", "balanced");
        var chosen = await WaitForModeAsync(page, "balanced");
        Assert.Equal(("user", TwoThreadBundle.Threads), (chosen.Source, chosen.Threads));
        Assert.EndsWith("?power=balanced", page.Url, StringComparison.Ordinal); // a reload keeps the choice
        Outputs.AssertClose(bundle.Expected, await RunAsync(page), LogitTolerance, output);
        Assert.Empty(session.Errors);
    }

    private static bool IsPthreadWorker(IWorker worker) => worker.Url.EndsWith("/ort-wasm-simd-threaded.mjs", StringComparison.Ordinal);

    private static Task SetBatteryAsync(IPage page, double level, bool charging) => page.EvaluateAsync("""
        ([level, charging]) => {
          const b = window.__testBattery;
          const changed = [];
          if (b.level !== level) { b.level = level; changed.push('levelchange'); }
          if (b.charging !== charging) { b.charging = charging; changed.push('chargingchange'); }
          for (const type of changed) b.dispatchEvent(new Event(type));
        }
        """, new object[] { level, charging });

    private static async Task<Power> WaitForModeAsync(IPage page, string mode)
    {
        await page.WaitForFunctionAsync("(mode) => { const d = document.getElementById('power').dataset; return d.mode === mode && d.switching === 'false'; }", mode, new() { Timeout = 60_000 });
        return await PowerAsync(page);
    }

    private static async Task<Power> WaitForBatteryTextAsync(IPage page, string text)
    {
        await page.WaitForFunctionAsync("(text) => document.getElementById('battery').textContent === text && document.getElementById('power').dataset.switching === 'false'", text);
        return await PowerAsync(page);
    }

    private static async Task<IReadOnlyList<float>> RunAsync(IPage page) =>
        (await page.EvaluateAsync<JsonElement>("async () => { const r = await edgeopt.run(null); return Object.values(r.outputs)[0].data; }"))
            .EnumerateArray().Select(v => v.GetSingle()).ToArray();

    private static async Task<Power> PowerAsync(IPage page)
    {
        var p = await page.EvaluateAsync<JsonElement>("""
            () => { const el = document.getElementById('power'); const d = el.dataset;
                    return { mode: d.mode, source: d.source, threads: Number(d.threads), rateCap: d.rateCap, text: el.textContent }; }
            """);
        return p.Deserialize<Power>(JsonSerializerOptions.Web) ?? throw new InvalidOperationException("no power state on the page");
    }

    /// <summary>The page's <c>#power</c> element: mode, why (battery, bundle, url, user), threads in use, rate cap ("none" or per second).</summary>
    private sealed record Power(string Mode, string Source, int Threads, string RateCap, string Text);

    /// <summary>The demo model as a single-file wasm bundle on 2 threads, so battery-saver's 1 is a visible drop on any machine.</summary>
    /// <summary>Built as <c>edgeopt web --power-mode performance --saver-at 0</c> would: the page stays in performance on a low battery.</summary>
    public sealed class PerformanceBundle : ServedBundle
    {
        protected override string Build(string workFolder, string bundleFolder)
        {
            var model = DemoModel.WriteTo(workFolder);
            WebBundler.Build(model, bundleFolder, new WebBundleOptions
            {
                Backend = WebBackend.Wasm, Threads = TwoThreadBundle.Threads, PowerMode = "performance", SaverBatteryLevel = 0,
            });
            return model;
        }
    }

    public sealed class TwoThreadBundle : ServedBundle
    {
        public const int Threads = 2;

        protected override string Build(string workFolder, string bundleFolder)
        {
            var model = DemoModel.WriteTo(workFolder);
            WebBundler.Build(model, bundleFolder, new WebBundleOptions { Backend = WebBackend.Wasm, Threads = Threads });
            return model;
        }
    }
}
