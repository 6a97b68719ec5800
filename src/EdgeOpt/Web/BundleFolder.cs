using System.Text.Json;
using EdgeOpt.Progressive;

namespace EdgeOpt.Web;

/// <summary>
/// Recognises a folder as an earlier web bundle: <c>bundle.json</c> marked with <see cref="WebBundleConfig.FormatName"/>,
/// and nothing but the files a bundle holds (the page, its runtime files and samples as bundle.json lists them, PWA files,
/// and a progressive package under <c>model/</c>).
/// </summary>
internal static class BundleFolder
{
    private static readonly string[] PageFiles = ["index.html", "app.js", "loader.js", "style.css", "sw.js", "manifest.webmanifest"];

    /// <summary>The first thing in <paramref name="folder"/> EdgeOpt did not write as a bundle, in words; null for an earlier bundle.</summary>
    public static string? FindForeign(string folder)
    {
        var configPath = Path.Combine(folder, WebBundler.ConfigFileName);
        if (!PackageFolder.IsPlainFile(configPath)) return $"{PackageFolder.FirstEntry(folder)}, and no {WebBundler.ConfigFileName}";
        var listed = ListedFiles(configPath);
        if (listed is null) return $"its {WebBundler.ConfigFileName} was not written by EdgeOpt";
        listed.Add(WebBundler.ConfigFileName);
        foreach (var file in PageFiles) listed.Add(file);
        foreach (var size in WebIcons.Sizes) listed.Add($"icons/icon-{size}.png");

        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null) return $"'{entry.Name}' is a symbolic link";
            if (entry is DirectoryInfo directory)
            {
                if (entry.Name == WebBundler.ModelFolder)
                {
                    if (directory.EnumerateFileSystemInfos().Any() && PackageFolder.FindForeign(directory.FullName) is { } inModel)
                        return $"{WebBundler.ModelFolder}/: {inModel}";
                    continue;
                }
                if (entry.Name is not (WebBundler.RuntimeFolder or "sample" or "icons")) return $"'{entry.Name}/' is not part of a bundle";
                foreach (var inner in directory.EnumerateFileSystemInfos())
                    if (inner is not FileInfo { LinkTarget: null } || !listed.Contains($"{entry.Name}/{inner.Name}"))
                        return $"'{entry.Name}/{inner.Name}' is not part of the bundle";
            }
            else if (!listed.Contains(entry.Name)) return $"'{entry.Name}' is not part of the bundle";
        }
        return null;
    }

    // Runtime files and samples bundle.json names, or null when it lacks EdgeOpt's format marker or cannot be read.
    private static HashSet<string>? ListedFiles(string configPath) =>
        OutputMarker.ListedFiles(configPath, WebBundleConfig.FormatName, static (root, files) =>
        {
            if (root.TryGetProperty("runtimeFiles", out var runtime) && runtime.ValueKind == JsonValueKind.Object)
                foreach (var backend in runtime.EnumerateObject())
                    if (backend.Value.ValueKind == JsonValueKind.Array)
                        foreach (var name in backend.Value.EnumerateArray())
                            if (name.ValueKind == JsonValueKind.String) files.Add($"{WebBundler.RuntimeFolder}/{name.GetString()}");
            if (root.TryGetProperty("inputs", out var inputs) && inputs.ValueKind == JsonValueKind.Array)
                foreach (var input in inputs.EnumerateArray())
                    if (input.ValueKind == JsonValueKind.Object && input.TryGetProperty("sample", out var sample) && sample.ValueKind == JsonValueKind.String)
                        files.Add(sample.GetString()!);
        });
}
