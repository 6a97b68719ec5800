using System.Text;
using static EdgeOpt.Deployment.Reporting.Html;

namespace EdgeOpt.Deployment.Reporting;

/// <summary>The plot area of an inline SVG chart (its size and margins) and the one way its axes, grid and titles are drawn.</summary>
internal readonly record struct ChartFrame(double Width, double Height, double Left, double Right, double Top, double Bottom)
{
    /// <summary>The plot rectangle, grid lines with tick labels on both axes, and the two axis titles ("(log scale)" added where an axis is).</summary>
    public void DrawAxes(StringBuilder svg, ChartAxis x, ChartAxis y, string xTitle, string yTitle, Func<double, string> yTick)
    {
        svg.Append(F($"<rect class=\"plot\" x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\"/>"));
        foreach (var t in x.Ticks)
        {
            var px = N(x.Map(t));
            svg.Append(F($"<line class=\"grid\" x1=\"{px}\" y1=\"{Top}\" x2=\"{px}\" y2=\"{Height - Bottom}\"/>"));
            svg.Append(F($"<text class=\"tick\" x=\"{px}\" y=\"{N(Height - Bottom + 16)}\" text-anchor=\"middle\">{E(x.Format(t))}</text>"));
        }
        foreach (var t in y.Ticks)
        {
            var py = N(y.Map(t));
            svg.Append(F($"<line class=\"grid\" x1=\"{Left}\" y1=\"{py}\" x2=\"{Width - Right}\" y2=\"{py}\"/>"));
            svg.Append(F($"<text class=\"tick\" x=\"{Left - 6}\" y=\"{py}\" dy=\"0.35em\" text-anchor=\"end\">{E(yTick(t))}</text>"));
        }
        var xCaption = x.Logarithmic ? xTitle + " (log scale)" : xTitle;
        svg.Append(F($"<text class=\"axis-title x\" x=\"{N((Left + Width - Right) / 2)}\" y=\"{N(Height - Bottom + 38)}\" text-anchor=\"middle\">{E(xCaption)}</text>"));
        var cy = N((Top + Height - Bottom) / 2);
        svg.Append(F($"<text class=\"axis-title y\" x=\"16\" y=\"{cy}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {cy})\">{E(yTitle)}</text>"));
    }
}
