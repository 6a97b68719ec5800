using EdgeOpt.Tests.Progressive;
using EdgeOpt.Web;

namespace EdgeOpt.Tests.Web;

/// <summary>
/// Two bundles of the same MLP shared by the structure tests (each build copies the runtime, so build once):
/// a progressive PWA for WebGL (small runtime) and a single-file, non-PWA bundle for WebAssembly.
/// </summary>
public sealed class WebBundleFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public WebBundleFixture()
    {
        ModelPath = PackagerModels.Mlp(_dir.Path);
        Labels = [.. Enumerable.Range(0, 64).Select(i => $"class {i}")];
        Progressive = WebBundler.Build(ModelPath, _dir.File("progressive"), new WebBundleOptions
        {
            Backend = WebBackend.WebGl, Progressive = true, ChunkSize = 40 * 1024, Pwa = true, Threads = 2, Labels = Labels,
            PowerMode = "performance", SaverBatteryLevel = 0.3,
        });
        SingleFile = WebBundler.Build(ModelPath, _dir.File("single"), new WebBundleOptions { Backend = WebBackend.Wasm });
    }

    public string ModelPath { get; }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>WebGL, progressive (40 KiB chunks), PWA, 2 threads, labels.</summary>
    public WebBundle Progressive { get; }

    /// <summary>WebAssembly, one model file, no PWA, threads 0.</summary>
    public WebBundle SingleFile { get; }

    public void Dispose() => _dir.Dispose();
}
