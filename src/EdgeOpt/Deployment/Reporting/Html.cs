using System.Globalization;
using System.Net;

namespace EdgeOpt.Deployment.Reporting;

/// <summary>Escaping and culture-invariant formatting shared by the report's HTML and SVG.</summary>
internal static class Html
{
    /// <summary>Text for an element or a quoted attribute: &lt; &gt; &amp; " ' escaped, so no model or path string becomes markup.</summary>
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>A coordinate or length in SVG user units (two decimals, invariant).</summary>
    public static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Bytes in decimal megabytes (10⁶), the unit the constraints use.</summary>
    public static string Mb(long? bytes) => bytes is { } b ? F($"{b / 1e6:0.##} MB") : "—";

    public static string Ms(double? ms) => ms is { } v ? F($"{Significant(v)} ms") : "—";

    /// <summary>A fraction in [0, 1] as a percentage with two decimals.</summary>
    public static string Percent(double? fraction) => fraction is { } f ? F($"{f * 100:0.00} %") : "—";

    public static string Cosine(double? cosine) => cosine is { } c ? c.ToString("0.00000", CultureInfo.InvariantCulture) : "—";

    /// <summary>Three significant figures, never exponent notation (0.0274, 3.14, 47.1, 1234).</summary>
    public static string Significant(double v)
    {
        var a = Math.Abs(v);
        var format = a >= 100 ? "0" : a >= 10 ? "0.0" : a >= 1 ? "0.00" : a >= 0.1 ? "0.000" : "0.0000";
        return v.ToString(format, CultureInfo.InvariantCulture);
    }
}
