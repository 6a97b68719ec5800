using EdgeOpt.Web;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// Backend choice as the page makes it in headless Chromium on a machine without a GPU: <c>auto</c> falls back to
/// WebAssembly and says why; an explicit <c>webgpu</c> is honoured, so the page fails with a clear message instead of
/// silently running something else; <c>webgl</c> runs on Chromium's software WebGL 2.
/// </summary>
[Collection(Chromium.Collection)]
public sealed class BackendSelectionTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private const double LogitTolerance = 5e-4; // seeded random sample: larger logits (see DemoPageTests)

    private const string HasAdapter = "this Chromium offers a WebGPU adapter, so the no-adapter path cannot be shown (WebGpuTests cover auto with an adapter)";

    [SkippableFact]
    public async Task Auto_without_a_webgpu_adapter_runs_on_wasm_and_reports_why()
    {
        using var work = new TempDir();
        var model = DemoModel.WriteTo(work.Path);
        var bundle = Path.Combine(work.Path, "web");
        WebBundler.Build(model, bundle, new WebBundleOptions { Backend = WebBackend.Auto, Threads = 2 });
        var expected = NativeOrt.RunOnBundleSample(model, bundle);

        await using var served = await ServedFolder.StartAsync(bundle, output);
        await using var session = await chromium.OpenAsync(output);
        Skip.If(await OffersWebGpuAdapter(session), HasAdapter);
        var page = await BundlePage.OpenAsync(session.Page, served["index.html"]);

        Outputs.AssertClose(expected, page.ReadyOutput().Data, LogitTolerance, output);
        Assert.Equal("wasm", page.Backend);
        Assert.Equal("wasm (no WebGPU adapter)", await session.Page.TextContentAsync("#backend"));
        Assert.Equal(2, page.Threads);
    }

    [Fact]
    public async Task A_webgl_bundle_runs_on_webgl_with_its_input_dims_fixed_and_matches_native_onnx_runtime()
    {
        using var work = new TempDir();
        var model = DemoModel.WriteTo(work.Path);
        var bundle = Path.Combine(work.Path, "web");
        var built = WebBundler.Build(model, bundle, new WebBundleOptions { Backend = WebBackend.WebGl });
        Assert.Contains(built.Notes, n => n.Contains("input dims fixed", StringComparison.Ordinal));
        var expected = NativeOrt.RunOnBundleSample(model, bundle);

        await using var served = await ServedFolder.StartAsync(bundle, output);
        await using var session = await chromium.OpenAsync(output);
        var page = await BundlePage.OpenAsync(session.Page, served["index.html"]);

        Assert.Equal("webgl", page.Backend);
        // WebGL computes in float32 shaders (SwiftShader here): measured ~2e-6 on these logits, same bound as wasm.
        Outputs.AssertClose(expected, page.ReadyOutput().Data, LogitTolerance, output);
    }

    [SkippableFact]
    public async Task An_explicit_webgpu_bundle_without_an_adapter_fails_with_a_clear_message()
    {
        using var work = new TempDir();
        var bundle = Path.Combine(work.Path, "web");
        WebBundler.Build(DemoModel.WriteTo(work.Path), bundle, new WebBundleOptions { Backend = WebBackend.WebGpu });

        await using var served = await ServedFolder.StartAsync(bundle, output);
        await using var session = await chromium.OpenAsync(output);
        Skip.If(await OffersWebGpuAdapter(session), HasAdapter);
        var page = await BundlePage.OpenAsync(session.Page, served["index.html"]);

        Assert.Equal("error", page.State);
        Assert.Contains("built for WebGPU (--backend webgpu)", page.Error, StringComparison.Ordinal);
        Assert.Contains("no WebGPU adapter", await session.Page.TextContentAsync("#status"), StringComparison.Ordinal);
        Assert.Null(page.Output);
    }

    private static Task<bool> OffersWebGpuAdapter(BrowserSession session) =>
        session.Page.EvaluateAsync<bool>("async () => !!(navigator.gpu && await navigator.gpu.requestAdapter())");
}
