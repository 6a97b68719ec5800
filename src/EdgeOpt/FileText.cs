using System.Globalization;
using System.Text;

namespace EdgeOpt;

/// <summary>
/// Text taken from an input file, made safe for a one-line error message: control and line-separator characters escaped
/// (<c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\uXXXX</c>) and long text cut, so a hostile file cannot forge extra output lines
/// or flood the terminal.
/// </summary>
internal static class FileText
{
    /// <summary>The most characters of file text a message shows.</summary>
    public const int MaxShown = 120;

    /// <summary>Whether <paramref name="c"/> would break a line or is otherwise unprintable.</summary>
    public static bool BreaksLine(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';

    /// <summary><paramref name="text"/> with control characters escaped (<c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\uXXXX</c>).</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(BreaksLine)) return text;
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (!BreaksLine(c)) sb.Append(c);
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
        }
        return sb.ToString();
    }

    /// <summary><paramref name="text"/> escaped (<see cref="Escape"/>) and cut to <paramref name="max"/> characters (then ending in <c>...</c>).</summary>
    public static string Show(string text, int max = MaxShown)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > max ? Escape(text[..max]) + "..." : Escape(text);
    }

    /// <summary>
    /// <paramref name="e"/> again with its message escaped (<see cref="Escape"/>): the same kind of refusal, the original as
    /// its inner exception. For entry points whose messages quote names from the file:
    /// <c>catch (EdgeOptException e) when (e.Message.Any(FileText.BreaksLine)) { throw FileText.OneLine(e); }</c>.
    /// </summary>
    public static EdgeOptException OneLine(EdgeOptException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = Escape(e.Message);
        return e switch
        {
            ModelFormatException => new ModelFormatException(message, e),
            DataFormatException => new DataFormatException(message, e),
            UnsupportedOperatorException => new UnsupportedOperatorException(message, e),
            ConstraintException => new ConstraintException(message, e),
            UsageException => new UsageException(message, e),
            _ => new EdgeOptException(message, e),
        };
    }
}
