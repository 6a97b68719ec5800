using System.Text;

namespace EdgeOpt.Progressive.Loading;

/// <summary>
/// Recognizes an HTML page served in place of a binary file (an SPA fallback route, a login or error page behind a 200):
/// the declared media type, or the first bytes.
/// </summary>
internal static class HtmlSniffer
{
    public static bool IsHtmlMediaType(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) || mediaType.Equals("application/xhtml+xml", StringComparison.OrdinalIgnoreCase));

    public static bool LooksLikeHtml(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("\uFEFF"u8)) head = head[3..];
        head = head.TrimStart(" \t\r\n"u8);
        return StartsWithIgnoreCase(head, "<!doctype") || StartsWithIgnoreCase(head, "<html");
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> head, string prefix)
    {
        if (head.Length < prefix.Length) return false;
        return Encoding.ASCII.GetString(head[..prefix.Length]).Equals(prefix, StringComparison.OrdinalIgnoreCase);
    }
}
