using EdgeOpt.Web;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// One progressive ResNet18 bundle (4 MB chunks, WASM, 2 threads): built once per test class, as each build is ~45 MB
/// of model plus the runtime.
/// </summary>
public sealed class ResNet18Bundle : ServedBundle
{
    /// <summary>
    /// Explicit rather than 0 (the browser's core count): the page must report exactly this, whatever CI machine runs the
    /// test, and 2 is the most a 2-core runner can use without oversubscribing.
    /// </summary>
    public const int Threads = 2;

    protected override string Build(string workFolder, string bundleFolder)
    {
        WebBundler.Build(Fixtures.ResNet18, bundleFolder, new WebBundleOptions
        {
            Backend = WebBackend.Wasm,
            Progressive = true,
            ChunkSize = 4 * 1024 * 1024,
            Threads = Threads,
        });
        return Fixtures.ResNet18;
    }
}
