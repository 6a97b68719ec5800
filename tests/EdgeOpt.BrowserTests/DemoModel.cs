using EdgeOpt.Cli;
using EdgeOpt.Progressive;
using EdgeOpt.Web;

namespace EdgeOpt.BrowserTests;

/// <summary>The embedded Fashion-MNIST demo model (what <c>edgeopt web demo</c> ships) and bundles of it.</summary>
internal static class DemoModel
{
    /// <summary>Small enough to cut the 400 KB demo model into several chunks.</summary>
    public const long SmallChunk = 64 * 1024;

    /// <summary>Writes the demo model to <paramref name="folder"/> and returns its path.</summary>
    public static string WriteTo(string folder)
    {
        var path = Path.Combine(folder, DemoAssets.ModelName);
        File.WriteAllBytes(path, DemoAssets.ModelBytes());
        return path;
    }

    /// <summary>Options for a progressive WASM bundle: 64 KB chunks, the seeded random sample, optionally the PWA files.</summary>
    public static WebBundleOptions ProgressiveOptions(bool pwa = false) =>
        new() { Backend = WebBackend.Wasm, Progressive = true, ChunkSize = SmallChunk, Pwa = pwa };

    /// <summary>The bundle's package manifest (model/manifest.json).</summary>
    public static ProgressiveManifest Manifest(string bundleFolder) =>
        ProgressiveManifest.Load(Path.Combine(bundleFolder, WebBundler.ModelFolder));
}
