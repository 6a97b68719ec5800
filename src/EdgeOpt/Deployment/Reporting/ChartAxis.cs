namespace EdgeOpt.Deployment.Reporting;

/// <summary>
/// One axis of a chart: the data range widened to round ticks (1, 2 or 5 × 10ᵏ), linear or logarithmic, mapped onto a
/// pixel span. Logarithmic when the values span a decade or more, so a 0.6 ms NPU candidate and a 40 ms CPU one both read.
/// </summary>
internal sealed class ChartAxis
{
    private readonly double low;
    private readonly double high;
    private readonly double pixelStart;
    private readonly double pixelEnd;

    public bool Logarithmic { get; }

    public IReadOnlyList<double> Ticks { get; }

    private ChartAxis(double low, double high, bool logarithmic, IReadOnlyList<double> ticks, double pixelStart, double pixelEnd)
    {
        this.low = low;
        this.high = high;
        Logarithmic = logarithmic;
        Ticks = ticks;
        this.pixelStart = pixelStart;
        this.pixelEnd = pixelEnd;
    }

    /// <summary>An axis over <paramref name="values"/> (at least one finite value) drawn from <paramref name="pixelStart"/> to <paramref name="pixelEnd"/>.</summary>
    public static ChartAxis For(IReadOnlyCollection<double> values, double pixelStart, double pixelEnd, bool allowLog)
    {
        var min = values.Min();
        var max = values.Max();
        if (allowLog && min > 0 && max / min >= 10)
        {
            var lo = Math.Pow(10, Math.Floor(Math.Log10(min)));
            var hi = Math.Pow(10, Math.Ceiling(Math.Log10(max)));
            var ticks = new List<double>();
            for (var decade = lo; decade <= hi * 1.0001; decade *= 10)
                foreach (var m in (double[])[1, 2, 5])
                    if (decade * m >= lo * 0.9999 && decade * m <= hi * 1.0001) ticks.Add(decade * m);
            return new ChartAxis(lo, hi, true, ticks, pixelStart, pixelEnd);
        }
        if (max - min < Math.Abs(max) * 1e-9 + 1e-12)
        {
            // One value (or all equal): centre it in a small range around it.
            var pad = Math.Abs(max) * 0.05 + 1e-6;
            min -= pad;
            max += pad;
        }
        var step = NiceStep((max - min) / 5);
        var start = Math.Floor(min / step) * step;
        var end = Math.Ceiling(max / step) * step;
        var linear = new List<double>();
        for (var i = 0; start + i * step <= end + step * 1e-6; i++) linear.Add(Math.Round(start + i * step, 12));
        return new ChartAxis(start, end, false, linear, pixelStart, pixelEnd);
    }

    /// <summary>The pixel position of <paramref name="value"/>.</summary>
    public double Map(double value)
    {
        double t = Logarithmic
            ? (Math.Log10(Math.Max(value, low)) - Math.Log10(low)) / (Math.Log10(high) - Math.Log10(low))
            : (value - low) / (high - low);
        return pixelStart + t * (pixelEnd - pixelStart);
    }

    private static double NiceStep(double rough)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / magnitude;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
    }
}
