using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EdgeOpt;

/// <summary>Reads a small JSON options file (a device, a deploy config) into its record, turning every JSON failure into one line naming the field.</summary>
internal static class ConfigJson
{
    /// <summary>The text of the options file at <paramref name="path"/>; <paramref name="what"/> (e.g. "device file") names it when it cannot be read.</summary>
    /// <exception cref="UsageException">The file cannot be read.</exception>
    public static string ReadText(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            if (JsonLimits.SizeProblem(FileLength.Of(path)) is { } size) throw new DataFormatException($"{path}: {size}");
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"{path}: cannot read the {what}: {e.Message}", e); }
    }

    /// <param name="json">The file's text.</param>
    /// <param name="source">Names the file in messages.</param>
    /// <param name="type">The record's generated JSON contract.</param>
    /// <param name="expected">Field (camelCase) → what it accepts, for the serializer's "could not be converted" failures.</param>
    public static T Read<T>(string json, string source, JsonTypeInfo<T> type, Func<string, string?>? expected = null) where T : class
    {
        if (JsonLimits.Problem(json) is { } limit) throw new DataFormatException($"{source}: {limit}");
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new DataFormatException($"{source}: expected a JSON object, got null");
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? null : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path;
            // The path and the message quote the file's own text: escaped, so the error stays one line.
            var field = path is null ? null : FileText.Show(path);
            var where = e.LineNumber is { } line ? $" (line {line + 1})" : "";
            var first = FileText.Escape(e.Message.Split('\n')[0].Trim());
            // The serializer's own words name CLR types and repeat the path; keep what it found, name the field ourselves.
            var cut = first.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut > 0) first = first[..cut];
            if (first.StartsWith("The JSON value could not be converted to ", StringComparison.Ordinal))
                first = "not a valid value" + (field is not null && expected?.Invoke(field) is { } hint ? $"; expected {hint}" : "");
            throw new DataFormatException(field is null ? $"{source}{where}: {first}" : $"{source}: field '{field}'{where}: {first}", e);
        }
    }
}
