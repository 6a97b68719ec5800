using EdgeOpt.Web;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// With a WebGPU adapter present (SwiftShader: <see cref="SoftwareWebGpuChromium"/>), <c>auto</c> picks WebGPU and an
/// explicit <c>webgpu</c> bundle runs on it; both give native ONNX Runtime's output.
/// </summary>
public sealed class WebGpuTests(SoftwareWebGpuChromium chromium, ITestOutputHelper output) : IClassFixture<SoftwareWebGpuChromium>
{
    // Measured 1.5e-5 on the seeded random sample's logits (float32 compute shaders vs MLAS): the wasm bound (DemoPageTests).
    private const double LogitTolerance = 5e-4;

    [Theory]
    [InlineData(WebBackend.Auto)]
    [InlineData(WebBackend.WebGpu)]
    public async Task The_page_runs_on_webgpu_when_an_adapter_exists_and_matches_native_onnx_runtime(WebBackend backend)
    {
        using var work = new TempDir();
        var model = DemoModel.WriteTo(work.Path);
        var bundle = Path.Combine(work.Path, "web");
        WebBundler.Build(model, bundle, new WebBundleOptions { Backend = backend, Threads = 2 });
        var expected = NativeOrt.RunOnBundleSample(model, bundle);

        await using var served = await ServedFolder.StartAsync(bundle, output);
        await using var session = await chromium.OpenAsync(output);
        var page = await BundlePage.OpenAsync(session.Page, served["index.html"]);

        Assert.Equal("webgpu", page.Backend);
        Assert.Equal("webgpu", await session.Page.TextContentAsync("#backend"));
        Outputs.AssertClose(expected, page.ReadyOutput().Data, LogitTolerance, output);
        // The WebGPU build's loader is the same verifying one: the model came through it.
        Assert.Equal(1, page.LoadStats!.Fetched);
        Assert.Empty(page.LoadStats.Rejected);
    }
}
