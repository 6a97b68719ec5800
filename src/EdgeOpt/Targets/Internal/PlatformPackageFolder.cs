using System.Text.Json;
using EdgeOpt.Progressive;

namespace EdgeOpt.Targets.Internal;

/// <summary>
/// Recognises an earlier platform package: <c>package.json</c> marked <see cref="PackageManifest.FormatName"/> and
/// nothing in the folder tree that it does not list.
/// </summary>
internal static class PlatformPackageFolder
{
    /// <summary>The first thing in <paramref name="folder"/> EdgeOpt did not write as a package, in words; null for an earlier package.</summary>
    public static string? FindForeign(string folder)
    {
        var manifest = Path.Combine(folder, PackageManifest.FileName);
        if (!PackageFolder.IsPlainFile(manifest)) return $"{PackageFolder.FirstEntry(folder)}, and no {PackageManifest.FileName}";
        var listed = OutputMarker.ListedFiles(manifest, PackageManifest.FormatName, static (root, files) =>
        {
            if (!root.TryGetProperty("files", out var list) || list.ValueKind != JsonValueKind.Array) return;
            foreach (var file in list.EnumerateArray())
                if (file.ValueKind == JsonValueKind.Object && file.TryGetProperty("path", out var path) && path.ValueKind == JsonValueKind.String)
                    files.Add(path.GetString()!);
        });
        if (listed is null) return $"its {PackageManifest.FileName} was not written by EdgeOpt";
        listed.Add(PackageManifest.FileName);
        return FindUnlisted(new DirectoryInfo(folder), "", listed);
    }

    private static string? FindUnlisted(DirectoryInfo directory, string prefix, HashSet<string> listed)
    {
        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            var relative = prefix + entry.Name;
            if (entry.LinkTarget is not null) return $"'{relative}' is a symbolic link";
            if (entry is DirectoryInfo inner)
            {
                if (!listed.Any(p => p.StartsWith(relative + "/", StringComparison.Ordinal))) return $"'{relative}/' is not part of the package";
                if (FindUnlisted(inner, relative + "/", listed) is { } deeper) return deeper;
            }
            else if (!listed.Contains(relative)) return $"'{relative}' is not part of the package";
        }
        return null;
    }
}
