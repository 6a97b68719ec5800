using EdgeOpt.Cli;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// The page <c>edgeopt web demo --progressive</c> builds: the embedded Fashion-MNIST CNN loads chunk by chunk with a
/// progress bar reaching 100 %, and the browser's output equals native ONNX Runtime's on the same input.
/// </summary>
[Collection(Chromium.Collection)]
public sealed class DemoPageTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    // Measured max |WASM - native MLAS| on the demo's 10 logits: ~1e-6 (float32 summation order differs); 1e-4 leaves room
    // for another CPU's kernels without hiding a wrong weight, which moves logits by far more.
    private const double LogitTolerance = 1e-4;

    [Fact]
    public async Task Demo_page_loads_progressively_to_100_percent_and_matches_native_onnx_runtime()
    {
        using var work = new TempDir();
        var bundle = Path.Combine(work.Path, "web");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = CliApp.Run(["web", "demo", "-o", bundle, "--progressive", "--chunk-size", "64KB", "--backend", "wasm"], stdout, stderr);
        Assert.True(exit == ExitCodes.Ok, $"edgeopt web demo failed ({exit}): {stderr}");
        var manifest = DemoModel.Manifest(bundle);
        Assert.True(manifest.Chunks.Count >= 3, $"64 KB chunks should cut the demo model into several; got {manifest.Chunks.Count}");
        var expected = NativeOrt.RunOnBundleSample(DemoModel.WriteTo(work.Path), bundle);

        await using var served = await ServedFolder.StartAsync(bundle, output);
        await using var session = await chromium.OpenAsync(output);
        var page = await BundlePage.OpenAsync(session.Page, served["index.html"]);

        var actual = page.ReadyOutput();
        Assert.Equal("wasm", page.Backend);
        Assert.Equal([1, 10], actual.Dims);
        Outputs.AssertClose(expected, actual.Data, LogitTolerance, output);

        Assert.NotEmpty(page.ProgressEvents);
        Assert.Equal(1.0, page.ProgressEvents[^1]);
        for (var i = 1; i < page.ProgressEvents.Count; i++)
            Assert.True(page.ProgressEvents[i] >= page.ProgressEvents[i - 1], $"progress went back from {page.ProgressEvents[i - 1]} to {page.ProgressEvents[i]} at event {i}");
        Assert.Equal(1.0, page.ProgressBar);

        var stats = page.LoadStats!;
        Assert.Equal(manifest.Chunks.Count, stats.LoadedChunks);
        Assert.Equal(manifest.TotalBytes, stats.TotalBytes);
        Assert.Equal(manifest.Chunks.Count + 1, stats.Fetched);
        Assert.Empty(stats.Rejected);

        // The table's top row is the class native ORT ranks first (the demo ships Fashion-MNIST's class names).
        Assert.Equal(DemoAssets.ClassNames[Outputs.ArgMax(expected)], page.TopClass);
        Assert.Empty(session.Errors);
    }
}
