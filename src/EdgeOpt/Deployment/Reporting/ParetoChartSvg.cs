using System.Text;
using static EdgeOpt.Deployment.Reporting.Html;

namespace EdgeOpt.Deployment.Reporting;

/// <summary>One candidate on the chart: its row number in the table, where it sits, and how it is drawn.</summary>
internal sealed record ChartPoint(int Row, string Label, double LatencyMs, double Quality, long? SizeBytes, bool OnFront, bool Chosen);

/// <summary>
/// The report's scatter chart as inline SVG, written here rather than by a plotting library (docs/architecture.md says
/// why): estimated target latency across, measured quality up, area proportional to model size, the Pareto front filled,
/// the choice ringed. Each point carries a <c>&lt;title&gt;</c> (hover text) and its table row number.
/// </summary>
internal static class ParetoChartSvg
{
    private const double Width = 760;
    private const double Height = 440;
    private const double Left = 74;
    private const double Right = 24;
    private const double Top = 20;
    private const double Bottom = 64;
    private static readonly ChartFrame Frame = new(Width, Height, Left, Right, Top, Bottom);
    private const double MinRadius = 4;
    private const double MaxRadius = 15;

    public static string Render(IReadOnlyList<ChartPoint> points, string xTitle, string yTitle, Func<double, string> yTick)
    {
        if (points.Count == 0) throw new ArgumentException("a chart needs at least one point", nameof(points));
        var x = ChartAxis.For(points.Select(p => p.LatencyMs).ToList(), Left, Width - Right, allowLog: true);
        var y = ChartAxis.For(points.Select(p => p.Quality).ToList(), Height - Bottom, Top, allowLog: false);
        var largest = points.Max(p => p.SizeBytes ?? 0);

        var svg = new StringBuilder();
        svg.Append(F($"<svg class=\"chart pareto\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-labelledby=\"pareto-title\">"));
        svg.Append(F($"<title id=\"pareto-title\">{E(yTitle)} against {E(xTitle)}</title>"));
        Frame.DrawAxes(svg, x, y, xTitle, yTitle, yTick);

        // Others first so the front and the choice are drawn on top of them.
        var placed = new List<(double X, double Y)>();
        foreach (var p in points.OrderBy(p => p.Chosen).ThenBy(p => p.OnFront).ThenByDescending(p => p.SizeBytes ?? 0))
        {
            var cx = x.Map(p.LatencyMs);
            var cy = y.Map(p.Quality);
            var r = p.SizeBytes is { } size && largest > 0 ? MinRadius + (MaxRadius - MinRadius) * Math.Sqrt((double)size / largest) : MinRadius;
            var kind = p.Chosen ? "point chosen" : p.OnFront ? "point front" : "point";
            svg.Append(F($"<g class=\"{kind}\" data-row=\"{p.Row}\"><title>#{p.Row} {E(p.Label)}: {Ms(p.LatencyMs)} estimated, {E(yTick(p.Quality))} measured, {Mb(p.SizeBytes)}</title>"));
            svg.Append(F($"<circle cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"{N(r)}\"/>"));
            if (p.Chosen) svg.Append(F($"<circle class=\"ring\" cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"{N(r + 5)}\"/>"));
            var label = p.Chosen ? F($"#{p.Row} chosen") : F($"#{p.Row}");
            // Candidates with the same figures share a spot: stack their labels rather than print them over each other.
            var (tx, ty) = (cx + r + (p.Chosen ? 7 : 3), cy - r * 0.6);
            while (placed.Any(l => Math.Abs(l.X - tx) < 28 && Math.Abs(l.Y - ty) < 11)) ty += 11;
            placed.Add((tx, ty));
            svg.Append(F($"<text x=\"{N(tx)}\" y=\"{N(ty)}\">{E(label)}</text></g>"));
        }
        Legend(svg);
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static void Legend(StringBuilder svg)
    {
        var ly = N(Height - 12);
        svg.Append("<g class=\"legend\">");
        svg.Append(F($"<g class=\"point\"><circle cx=\"{Left + 6}\" cy=\"{ly}\" r=\"5\"/></g><text x=\"{Left + 16}\" y=\"{ly}\" dy=\"0.35em\">evaluated</text>"));
        svg.Append(F($"<g class=\"point front\"><circle cx=\"{Left + 106}\" cy=\"{ly}\" r=\"5\"/></g><text x=\"{Left + 116}\" y=\"{ly}\" dy=\"0.35em\">Pareto front</text>"));
        svg.Append(F($"<g class=\"point chosen\"><circle cx=\"{Left + 226}\" cy=\"{ly}\" r=\"5\"/><circle class=\"ring\" cx=\"{Left + 226}\" cy=\"{ly}\" r=\"9\"/></g><text x=\"{Left + 240}\" y=\"{ly}\" dy=\"0.35em\">chosen</text>"));
        svg.Append(F($"<text x=\"{Left + 310}\" y=\"{ly}\" dy=\"0.35em\">area ∝ model size · #n = table row</text>"));
        svg.Append("</g>");
    }
}
