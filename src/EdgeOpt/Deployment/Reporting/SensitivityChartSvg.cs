using System.Text;
using static EdgeOpt.Deployment.Reporting.Html;

namespace EdgeOpt.Deployment.Reporting;

/// <summary>
/// Per-layer sensitivity as horizontal bars (inline SVG): how much accuracy each layer costs when it alone is quantized
/// (accuracy in percent, drop in percentage points, as the accuracy search reports them), most sensitive at the top;
/// layers left in float are marked.
/// </summary>
internal static class SensitivityChartSvg
{
    private const double Width = 760;
    private const double LabelWidth = 300;
    private const double Row = 20;
    private const double Top = 8;
    private const double Right = 90;

    public static string Render(IReadOnlyList<LayerSensitivity> layers, IReadOnlySet<string> floatNodes, Func<double, string> dropText)
    {
        var largest = Math.Max(layers.Max(l => Math.Abs(l.Drop)), 1e-12);
        var height = Top * 2 + Row * layers.Count;
        var barSpan = Width - LabelWidth - Right;
        var svg = new StringBuilder();
        svg.Append(F($"<svg class=\"chart sensitivity\" viewBox=\"0 0 {Width} {N(height)}\" width=\"{Width}\" height=\"{N(height)}\" role=\"img\" aria-label=\"per-layer accuracy drop when quantized alone\">"));
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var y = Top + i * Row;
            var width = Math.Max(1, barSpan * Math.Max(0, layer.Drop) / largest);
            var kept = floatNodes.Contains(layer.Node);
            svg.Append(F($"<g class=\"bar{(kept ? " kept-float" : "")}\"><title>{E(layer.Node)} ({E(layer.OpType)}): accuracy {layer.Accuracy:0.00} %, drop {E(dropText(layer.Drop))}{(kept ? ", kept in float" : "")}</title>"));
            svg.Append(F($"<text x=\"{LabelWidth - 8}\" y=\"{N(y + Row / 2)}\" dy=\"0.35em\" text-anchor=\"end\">{E(Shorten(layer.Node, 40))} · {E(layer.OpType)}</text>"));
            svg.Append(F($"<rect x=\"{LabelWidth}\" y=\"{N(y + 3)}\" width=\"{N(width)}\" height=\"{N(Row - 6)}\"/>"));
            svg.Append(F($"<text x=\"{N(LabelWidth + width + 6)}\" y=\"{N(y + Row / 2)}\" dy=\"0.35em\">{E(dropText(layer.Drop))}{(kept ? " (float)" : "")}</text></g>"));
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
