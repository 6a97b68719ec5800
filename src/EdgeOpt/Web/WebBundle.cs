using EdgeOpt.Progressive;

namespace EdgeOpt.Web;

/// <summary>What <see cref="WebBundler.Build"/> wrote.</summary>
public sealed record WebBundle
{
    /// <summary>The bundle folder (absolute).</summary>
    public required string Folder { get; init; }

    /// <summary>The backend the page is built for.</summary>
    public required WebBackend Backend { get; init; }

    /// <summary>Threads requested (0: the browser's core count).</summary>
    public required int Threads { get; init; }

    public required bool Progressive { get; init; }

    public required bool Pwa { get; init; }

    /// <summary>The onnxruntime-web version shipped in <c>ort/</c>.</summary>
    public required string RuntimeVersion { get; init; }

    /// <summary>The model package under <c>model/</c>.</summary>
    public required ProgressiveManifest Manifest { get; init; }

    /// <summary>Every file of the bundle, relative path with '/' separators, in path order.</summary>
    public required IReadOnlyList<WebBundleFile> Files { get; init; }

    /// <summary>What the sample input is.</summary>
    public required string SampleDescription { get; init; }

    /// <summary>Hash of the whole bundle (every file's path and content): the service worker's cache version.</summary>
    public required string Version { get; init; }

    /// <summary>Changes the bundler made for the backend (e.g. symbolic input dims fixed for WebGL); empty when none.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public long TotalBytes => Files.Sum(f => f.Size);

    public long BytesOf(WebBundleFileKind kind) => Files.Where(f => f.Kind == kind).Sum(f => f.Size);
}

/// <summary>One file of a web bundle.</summary>
/// <param name="Path">Relative to the bundle folder, '/' separated.</param>
/// <param name="Size">Bytes.</param>
/// <param name="Kind">What the file is for.</param>
public sealed record WebBundleFile(string Path, long Size, WebBundleFileKind Kind);

/// <summary>What a bundle file is for.</summary>
public enum WebBundleFileKind
{
    /// <summary>The page, its scripts, style and configuration.</summary>
    App,

    /// <summary>onnxruntime-web's JavaScript and WebAssembly.</summary>
    Runtime,

    /// <summary>The model package: manifest, graph, chunks.</summary>
    Model,

    /// <summary>Sample input tensors.</summary>
    Sample,

    /// <summary>Service worker, web app manifest and icons.</summary>
    Pwa,
}
