using System.Text;
using EdgeOpt.Devices;
using static EdgeOpt.Deployment.Reporting.Html;

namespace EdgeOpt.Deployment.Reporting;

/// <summary>One candidate in one power mode on the energy chart.</summary>
internal sealed record EnergyPoint(int Row, string Label, PowerModeKind Mode, double LatencyMs, double EnergyMj, bool Chosen);

/// <summary>
/// The latency–energy trade-off as inline SVG: the power model's latency across, energy per inference up, one point
/// per candidate and power mode (shaded by mode), the chosen candidate in its chosen mode ringed.
/// </summary>
internal static class EnergyChartSvg
{
    private const double Width = 760;
    private const double Height = 380;
    private const double Left = 74;
    private const double Right = 24;
    private const double Top = 20;
    private const double Bottom = 64;
    private static readonly ChartFrame Frame = new(Width, Height, Left, Right, Top, Bottom);

    public static string Render(IReadOnlyList<EnergyPoint> points, string xTitle)
    {
        if (points.Count == 0) throw new ArgumentException("a chart needs at least one point", nameof(points));
        var x = ChartAxis.For(points.Select(p => p.LatencyMs).ToList(), Left, Width - Right, allowLog: true);
        var y = ChartAxis.For(points.Select(p => p.EnergyMj).ToList(), Height - Bottom, Top, allowLog: true);
        var svg = new StringBuilder();
        svg.Append(F($"<svg class=\"chart energy\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-labelledby=\"energy-title\">"));
        svg.Append(F($"<title id=\"energy-title\">Energy per inference against {E(xTitle)}, per power mode</title>"));
        Frame.DrawAxes(svg, x, y, xTitle, "Energy per inference, mJ" + (y.Logarithmic ? " (log scale)" : ""), y.Format);
        foreach (var p in points.OrderBy(p => p.Chosen))
        {
            var (px, py) = (x.Map(p.LatencyMs), y.Map(p.EnergyMj));
            svg.Append(F($"<g class=\"point mode-{PowerModeNames.Of(p.Mode)}{(p.Chosen ? " chosen" : "")}\" data-row=\"{p.Row}\"><title>#{p.Row} {E(p.Label)}, {PowerModeNames.Of(p.Mode)}: {Ms(p.LatencyMs)}, {p.EnergyMj:G3} mJ (estimated)</title>"));
            svg.Append(F($"<circle cx=\"{N(px)}\" cy=\"{N(py)}\" r=\"5\"/>"));
            if (p.Chosen) svg.Append(F($"<circle class=\"ring\" cx=\"{N(px)}\" cy=\"{N(py)}\" r=\"10\"/><text x=\"{N(px + 13)}\" y=\"{N(py - 4)}\">#{p.Row} chosen</text>"));
            svg.Append("</g>");
        }
        var ly = N(Height - 12);
        svg.Append("<g class=\"legend\">");
        var offset = 0;
        foreach (var mode in Enum.GetValues<PowerModeKind>())
        {
            svg.Append(F($"<g class=\"point mode-{PowerModeNames.Of(mode)}\"><circle cx=\"{Left + 6 + offset}\" cy=\"{ly}\" r=\"5\"/></g><text x=\"{Left + 16 + offset}\" y=\"{ly}\" dy=\"0.35em\">{PowerModeNames.Of(mode)}</text>"));
            offset += 120;
        }
        svg.Append("</g></svg>");
        return svg.ToString();
    }
}
