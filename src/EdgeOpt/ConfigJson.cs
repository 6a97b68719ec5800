using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EdgeOpt;

/// <summary>Reads a small JSON options file (a device, a deploy config) into its record, turning every JSON failure into one line naming the field.</summary>
internal static class ConfigJson
{
    public static T Read<T>(string json, string source, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new DataFormatException($"{source}: expected a JSON object, got null");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? null : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path;
            var where = e.LineNumber is { } line ? $" (line {line + 1})" : "";
            var first = e.Message.Split('\n')[0].Trim();
            // The serializer's own words name CLR types and repeat the path; keep what it found, name the field ourselves.
            var cut = first.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut > 0) first = first[..cut];
            throw new DataFormatException(field is null ? $"{source}{where}: {first}" : $"{source}: field '{field}'{where}: {first}", e);
        }
    }
}
