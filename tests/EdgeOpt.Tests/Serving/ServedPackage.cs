using EdgeOpt.Progressive;
using EdgeOpt.Tests.Progressive;
using EdgeOpt.Web.Serving;

namespace EdgeOpt.Tests.Serving;

/// <summary>
/// A real progressive package (a small MLP cut by <see cref="ProgressivePackager"/>) plus web-bundle-like files, served by
/// a <see cref="BundleServer"/> on a free port. Next to the package folder lie a secret file and symlinks that lead out.
/// </summary>
public sealed class ServedPackage : IAsyncLifetime
{
    public const string Secret = "outside the bundle";

    private readonly TempDir _dir = new();
    private readonly BundleServer _server = new();

    public string ModelPath { get; private set; } = "";
    public string Folder { get; private set; } = "";
    public ProgressiveManifest Manifest { get; private set; } = null!;
    public Uri Url { get; private set; } = null!;
    public string CacheFolder => _dir.File("cache");

    public async Task InitializeAsync()
    {
        using (var model = LoaderTestPackages.Mlp())
            (ModelPath, Folder, Manifest) = LoaderTestPackages.Package(model, _dir);
        File.WriteAllText(_dir.File("secret.txt"), Secret);
        File.WriteAllText(Path.Combine(Folder, "index.html"), "<!doctype html><title>bundle</title>");
        File.WriteAllBytes(Path.Combine(Folder, "ort-wasm-simd-threaded.wasm"), [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
        File.WriteAllText(Path.Combine(Folder, "ort.bundle.min.mjs"), "export {};");
        File.WriteAllText(Path.Combine(Folder, "loader.js"), "'use strict';");
        File.WriteAllText(Path.Combine(Folder, "manifest.webmanifest"), "{\"name\":\"demo\"}");
        File.WriteAllText(Path.Combine(Folder, ".env"), Secret);
        Directory.CreateDirectory(Path.Combine(Folder, "docs"));
        File.WriteAllText(Path.Combine(Folder, "docs", "index.html"), "<!doctype html><title>docs</title>");
        File.CreateSymbolicLink(Path.Combine(Folder, "leak.txt"), _dir.File("secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(Folder, "up"), _dir.Path);
        File.CreateSymbolicLink(Path.Combine(Folder, "alias.html"), "index.html");
        Url = await _server.StartAsync(Folder, port: 0);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }
}
