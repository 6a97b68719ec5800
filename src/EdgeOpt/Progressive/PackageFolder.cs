using System.Text.Json;

namespace EdgeOpt.Progressive;

/// <summary>
/// Recognises a folder as an earlier progressive package: <c>manifest.json</c> marked with
/// <see cref="ProgressiveManifest.FormatName"/>, and nothing but plain files the manifest lists.
/// </summary>
internal static class PackageFolder
{
    /// <summary>The first thing in <paramref name="folder"/> EdgeOpt did not write as a package, in words; null for an earlier package.</summary>
    public static string? FindForeign(string folder)
    {
        var manifestPath = Path.Combine(folder, ProgressivePackager.ManifestFileName);
        if (!IsPlainFile(manifestPath)) return $"{FirstEntry(folder)}, and no {ProgressivePackager.ManifestFileName}";
        var listed = ListedFiles(manifestPath);
        if (listed is null) return $"its {ProgressivePackager.ManifestFileName} was not written by EdgeOpt";
        listed.Add(ProgressivePackager.ManifestFileName);
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            if (entry is not FileInfo { LinkTarget: null } || !listed.Contains(entry.Name))
                return $"'{entry.Name}' is not part of the package";
        return null;
    }

    /// <summary>The first entry of a non-empty folder, quoted, for a message (sorted, so the message is stable).</summary>
    internal static string FirstEntry(string folder) =>
        $"'{new DirectoryInfo(folder).EnumerateFileSystemInfos().Select(e => e.Name).Order(StringComparer.Ordinal).First()}'";

    internal static bool IsPlainFile(string path) => new FileInfo(path) is { Exists: true, LinkTarget: null };

    // The graph and chunk file names, or null when the manifest lacks EdgeOpt's format marker or cannot be read.
    private static HashSet<string>? ListedFiles(string manifestPath) =>
        OutputMarker.ListedFiles(manifestPath, ProgressiveManifest.FormatName, static (root, files) =>
        {
            if (root.TryGetProperty("graph", out var graph) && graph.ValueKind == JsonValueKind.Object) Add(graph);
            if (root.TryGetProperty("chunks", out var chunks) && chunks.ValueKind == JsonValueKind.Array)
                foreach (var chunk in chunks.EnumerateArray()) Add(chunk);

            void Add(JsonElement file)
            {
                if (file.ValueKind == JsonValueKind.Object && file.TryGetProperty("file", out var name) && name.ValueKind == JsonValueKind.String
                    && name.GetString() is { Length: > 0 } plain && plain.IndexOfAny(['/', '\\']) < 0 && plain is not "." and not "..")
                    files.Add(plain);
            }
        });
}
