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
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
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
