namespace EdgeOpt.BrowserTests;

/// <summary>
/// A web bundle built once per test class and served by BundleServer, with native ONNX Runtime's output on its sample;
/// each test opens a fresh browser context (own Cache API and HTTP cache) against it.
/// </summary>
public abstract class ServedBundle : IAsyncLifetime
{
    private readonly TempDir _work = new();
    private ServedFolder? _served;

    public string Folder => Path.Combine(_work.Path, "web");

    public ServedFolder Served => _served ?? throw new InvalidOperationException("the bundle is not served yet");

    /// <summary>Native ONNX Runtime's first output on the bundle's sample.</summary>
    public float[] Expected { get; private set; } = [];

    /// <summary>Builds the bundle into <paramref name="bundleFolder"/> (work files go to <paramref name="workFolder"/>); returns the model file it bundles.</summary>
    protected abstract string Build(string workFolder, string bundleFolder);

    public async Task InitializeAsync()
    {
        var model = Build(_work.Path, Folder);
        Expected = NativeOrt.RunOnBundleSample(model, Folder);
        _served = await ServedFolder.StartAsync(Folder);
    }

    public async Task DisposeAsync()
    {
        if (_served is not null) await _served.DisposeAsync();
        _work.Dispose();
    }
}
