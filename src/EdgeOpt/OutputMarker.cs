using System.Text.Json;

namespace EdgeOpt;

/// <summary>
/// Reads the marker file EdgeOpt writes into each output folder it owns (a package's manifest.json, a bundle's
/// bundle.json): only a JSON object whose <c>format</c> is the expected name counts, so a same-named file of
/// someone else's never makes a folder replaceable.
/// </summary>
internal static class OutputMarker
{
    /// <summary>
    /// The names <paramref name="listFiles"/> takes from the marker at <paramref name="path"/>; null when the file
    /// cannot be read, is not JSON, or lacks <c>"format": <paramref name="formatName"/></c>.
    /// </summary>
    public static HashSet<string>? ListedFiles(string path, string formatName, Action<JsonElement, HashSet<string>> listFiles)
    {
        try
        {
            // Too big or too deep is not a marker EdgeOpt wrote: the folder is then treated as someone else's.
            if (JsonLimits.SizeProblem(FileLength.Of(path)) is not null) return null;
            var bytes = File.ReadAllBytes(path);
            if (JsonLimits.Problem(bytes) is not null) return null;
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
                || format.GetString() != formatName)
                return null;
            var files = new HashSet<string>(StringComparer.Ordinal);
            listFiles(root, files);
            return files;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
