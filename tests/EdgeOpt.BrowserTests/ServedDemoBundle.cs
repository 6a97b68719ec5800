using EdgeOpt.Web;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// A progressive WASM bundle of the demo model (64 KB chunks) served by BundleServer, with native ONNX Runtime's output on
/// its sample; shared by a test class whose tests each open a fresh browser context (own Cache API and HTTP cache).
/// </summary>
public sealed class ServedDemoBundle : IAsyncLifetime
{
    private readonly TempDir _work = new();
    private ServedFolder? _served;

    public string Folder => Path.Combine(_work.Path, "web");

    public ServedFolder Served => _served ?? throw new InvalidOperationException("the bundle is not served yet");

    /// <summary>Native ONNX Runtime's first output on the bundle's sample.</summary>
    public float[] Expected { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var model = DemoModel.WriteTo(_work.Path);
        WebBundler.Build(model, Folder, DemoModel.ProgressiveOptions());
        Expected = NativeOrt.RunOnBundleSample(model, Folder);
        _served = await ServedFolder.StartAsync(Folder);
    }

    public async Task DisposeAsync()
    {
        if (_served is not null) await _served.DisposeAsync();
        _work.Dispose();
    }
}
