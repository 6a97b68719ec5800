using EdgeOpt.Web;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// One progressive ResNet18 bundle (4 MB chunks, WASM, 2 threads) served by BundleServer, with native ONNX Runtime's
/// output on its sample: built once per test class, as each build is ~45 MB of model plus the runtime.
/// </summary>
public sealed class ResNet18Bundle : IAsyncLifetime
{
    /// <summary>
    /// Explicit rather than 0 (the browser's core count): the page must report exactly this, whatever CI machine runs the
    /// test, and 2 is the most a 2-core runner can use without oversubscribing.
    /// </summary>
    public const int Threads = 2;

    private readonly TempDir _work = new();
    private ServedFolder? _served;

    public string Folder => Path.Combine(_work.Path, "web");

    public ServedFolder Served => _served ?? throw new InvalidOperationException("the bundle is not served yet");

    /// <summary>Native ONNX Runtime's first output on the bundle's sample (sample/0.bin, seeded random values).</summary>
    public float[] Expected { get; private set; } = [];

    public async Task InitializeAsync()
    {
        WebBundler.Build(Fixtures.ResNet18, Folder, new WebBundleOptions
        {
            Backend = WebBackend.Wasm,
            Progressive = true,
            ChunkSize = 4 * 1024 * 1024,
            Threads = Threads,
        });
        Expected = NativeOrt.RunOnBundleSample(Fixtures.ResNet18, Folder);
        _served = await ServedFolder.StartAsync(Folder);
    }

    public async Task DisposeAsync()
    {
        if (_served is not null) await _served.DisposeAsync();
        _work.Dispose();
    }
}
