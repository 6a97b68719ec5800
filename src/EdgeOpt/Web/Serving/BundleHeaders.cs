namespace EdgeOpt.Web.Serving;

/// <summary>The headers a bundle file is served with: media type, caching, and cross-origin isolation.</summary>
internal static class BundleHeaders
{
    /// <summary>Content-addressed files never change under their name; anything else must be revalidated every time.</summary>
    public const string Immutable = "public, max-age=31536000, immutable";
    public const string NoCache = "no-cache";

    /// <summary>
    /// Sent with every response. COOP + COEP make the page cross-origin isolated, which onnxruntime-web needs for
    /// SharedArrayBuffer (WASM threads); without them it silently falls back to one thread.
    /// </summary>
    public static readonly KeyValuePair<string, string>[] Security =
    [
        new("Cross-Origin-Opener-Policy", "same-origin"),
        new("Cross-Origin-Embedder-Policy", "require-corp"),
        new("Cross-Origin-Resource-Policy", "same-origin"),
        new("X-Content-Type-Options", "nosniff"),
    ];

    private static readonly Dictionary<string, string> MediaTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".wasm"] = "application/wasm",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".webmanifest"] = "application/manifest+json",
        [".json"] = "application/json",
        [".onnx"] = "application/octet-stream",
        [".ort"] = "application/octet-stream",
        [".bin"] = "application/octet-stream",
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".ico"] = "image/x-icon",
    };

    /// <summary>The Content-Type for a file; unknown extensions are opaque bytes (never sniffed, thanks to nosniff).</summary>
    public static string MediaTypeOf(string path) =>
        MediaTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");

    /// <summary>The Cache-Control for a file: <see cref="Immutable"/> when its name is a SHA-256 (<c>&lt;64 hex&gt;.ext</c>).</summary>
    public static string CacheControlOf(string path) => IsContentAddressed(Path.GetFileName(path)) ? Immutable : NoCache;

    /// <summary>True for names like <c>&lt;sha256 hex&gt;.bin</c>, as written by the progressive packager.</summary>
    public static bool IsContentAddressed(string fileName)
    {
        var stem = Path.GetFileNameWithoutExtension(fileName);
        return stem.Length == 64 && Path.GetExtension(fileName).Length > 1 && stem.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
    }
}
