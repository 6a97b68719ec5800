namespace EdgeOpt.Quantization.Calibration;

/// <summary>
/// Percentile calibration: the range that keeps <c>percentile</c> % of the observations, cutting half of the rest
/// from each end. The lower bound is the left edge of the bin where the cut mass is exceeded and the upper bound the
/// right edge of the bin where the kept mass is reached, so the range never holds less than asked for (it is exact
/// to within one bin width).
/// </summary>
internal static class PercentileRange
{
    public static TensorRange Choose(HistogramCollector histogram, double percentile)
    {
        if (histogram.Total == 0) return default;
        var counts = histogram.Counts;
        var cut = (100 - percentile) / 200 * histogram.Total;
        var keep = histogram.Total - cut;

        var lower = 0;
        double cumulative = 0;
        for (; lower < counts.Length - 1; lower++)
        {
            cumulative += counts[lower];
            if (cumulative > cut) break;
        }
        var upper = counts.Length - 1;
        cumulative = histogram.Total;
        for (; upper > lower; upper--)
        {
            if (cumulative - counts[upper] < keep) break;
            cumulative -= counts[upper];
        }
        return new TensorRange((float)histogram.Edge(lower), (float)histogram.Edge(upper + 1));
    }
}
