using System.Text.Json;

namespace EdgeOpt.Web;

/// <summary>
/// The onnxruntime-web files shipped with EdgeOpt: copied from the pinned npm package at build time into
/// <c>onnxruntime-web/</c> next to the assembly, and from there into each bundle's <c>ort/</c>. Nothing is fetched at run time.
/// </summary>
public static class OnnxRuntimeWeb
{
    /// <summary>The npm version every bundle ships (pinned in src/EdgeOpt/Web/Runtime/package-lock.json).</summary>
    public const string Version = "1.30.0";

    /// <summary>Environment variable naming another folder holding the dist files (e.g. an npm package's <c>dist/</c>).</summary>
    public const string FolderVariable = "EDGEOPT_ORT_WEB_DIR";

    // Each entry module imports its own WebAssembly build: the plain one is smallest; WebGPU needs the asyncify build
    // (which also runs the wasm provider, so `auto` can fall back without a second download); WebGL is pure JavaScript.
    private static readonly string[] WasmFiles = ["ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"];
    private static readonly string[] WebGpuFiles = ["ort.webgpu.min.mjs", "ort-wasm-simd-threaded.asyncify.mjs", "ort-wasm-simd-threaded.asyncify.wasm"];
    private static readonly string[] WebGlFiles = ["ort.webgl.min.mjs"];

    /// <summary>The entry module for a concrete backend (relative to <c>ort/</c>).</summary>
    internal static string EntryModule(WebBackend backend) => backend switch
    {
        WebBackend.Wasm => WasmFiles[0],
        WebBackend.WebGpu => WebGpuFiles[0],
        WebBackend.WebGl => WebGlFiles[0],
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "auto has no single entry module"),
    };

    /// <summary>The dist files a bundle for <paramref name="backend"/> needs (auto: the wasm and WebGPU builds).</summary>
    public static IReadOnlyList<string> FilesFor(WebBackend backend) => backend switch
    {
        WebBackend.Wasm => WasmFiles,
        WebBackend.WebGpu => WebGpuFiles,
        WebBackend.WebGl => WebGlFiles,
        WebBackend.Auto => [.. WasmFiles, .. WebGpuFiles],
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, null),
    };

    /// <summary>The folder holding the dist files, checked to be version <see cref="Version"/> and to hold <paramref name="files"/>.</summary>
    /// <exception cref="UsageException">The files are missing (a build without Node.js) or another version.</exception>
    internal static string Locate(IEnumerable<string> files)
    {
        var overridden = Environment.GetEnvironmentVariable(FolderVariable);
        var folder = string.IsNullOrEmpty(overridden) ? Path.Combine(AppContext.BaseDirectory, "onnxruntime-web") : overridden;
        var missing = files.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
        if (missing.Count > 0)
            ThrowHelper.Usage($"onnxruntime-web {Version} files are missing from '{folder}' ({string.Join(", ", missing)}): "
                + "rebuild EdgeOpt with Node.js/npm on PATH (the build runs `npm ci` in src/EdgeOpt/Web/Runtime), "
                + $"or set {FolderVariable} to the package's dist folder");
        var version = ReadVersion(folder);
        if (version is not null && version != Version)
            ThrowHelper.Usage($"'{folder}' holds onnxruntime-web {version}; this EdgeOpt ships and was tested with {Version}");
        return folder;
    }

    // The build copies the package's package.json beside the dist files; an overridden dist folder has it one level up.
    private static string? ReadVersion(string folder)
    {
        foreach (var candidate in new[] { Path.Combine(folder, "package.json"), Path.Combine(folder, "..", "package.json") })
        {
            if (!File.Exists(candidate)) continue;
            using var document = JsonDocument.Parse(File.ReadAllBytes(candidate));
            if (document.RootElement.TryGetProperty("name", out var name) && name.GetString() == "onnxruntime-web"
                && document.RootElement.TryGetProperty("version", out var version))
                return version.GetString();
        }
        return null;
    }
}
