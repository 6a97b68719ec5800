using System.Text;
using System.Text.Json;

namespace EdgeOpt;

/// <summary>
/// Applies <see cref="InputLimits.MaxJsonBytes"/> and <see cref="InputLimits.MaxJsonDepth"/> to a JSON input before it is
/// deserialized, and words the refusal (the caller prefixes the file and throws its own exception type).
/// </summary>
internal static class JsonLimits
{
    /// <summary>Why a JSON input of <paramref name="bytes"/> bytes is refused, or null.</summary>
    public static string? SizeProblem(long bytes) => bytes > InputLimits.MaxJsonBytes
        ? $"{bytes} bytes of JSON; the limit is {InputLimits.MaxJsonBytes} (InputLimits.MaxJsonBytes)"
        : null;

    /// <summary>
    /// Why <paramref name="utf8"/> is refused for its size or nesting, or null. Only nesting is looked for: any other
    /// problem (bad syntax) is left for the deserializer, which names the field.
    /// </summary>
    public static string? Problem(ReadOnlySpan<byte> utf8)
    {
        if (SizeProblem(utf8.Length) is { } size) return size;
        // The reader's own ceiling is set above ours, so it is our check that trips, with our words.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = InputLimits.MaxJsonDepth + 2, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
                if (reader.CurrentDepth > InputLimits.MaxJsonDepth)
                    return $"JSON nested deeper than {InputLimits.MaxJsonDepth} levels (byte {reader.TokenStartIndex}); the limit is {InputLimits.MaxJsonDepth} (InputLimits.MaxJsonDepth)";
        }
        catch (JsonException)
        {
        }
        return null;
    }

    /// <inheritdoc cref="Problem(ReadOnlySpan{byte})"/>
    public static string? Problem(string json) =>
        Encoding.UTF8.GetMaxByteCount(json.Length) > InputLimits.MaxJsonBytes && Encoding.UTF8.GetByteCount(json) is var n && n > InputLimits.MaxJsonBytes
            ? SizeProblem(n)
            : Problem(Encoding.UTF8.GetBytes(json));
}
