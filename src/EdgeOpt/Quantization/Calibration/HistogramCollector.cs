namespace EdgeOpt.Quantization.Calibration;

/// <summary>
/// A fixed-range histogram of one tensor, of its values or of their magnitudes. The range comes from a first MinMax
/// pass over the same data, so batches simply add their counts: the histogram of several batches equals the
/// histogram of their concatenation, and memory stays at one count per bin whatever the amount of data.
/// Values outside the range (data that changed between passes) land in the edge bins; non-finite values are ignored.
/// </summary>
internal sealed class HistogramCollector
{
    private readonly long[] _counts;
    private readonly double _scale;

    /// <param name="low">Left edge of the first bin.</param>
    /// <param name="high">Right edge of the last bin.</param>
    /// <param name="bins">Number of equal-width bins.</param>
    /// <param name="magnitudes">Bin |x| instead of x (for symmetric thresholds).</param>
    public HistogramCollector(float low, float high, int bins, bool magnitudes)
    {
        _counts = new long[bins];
        Low = low;
        High = Math.Max(low, high);
        Magnitudes = magnitudes;
        BinWidth = (High - low) / bins;
        _scale = BinWidth > 0 ? 1 / BinWidth : 0;
    }

    public double Low { get; }
    public double High { get; }
    public double BinWidth { get; }
    public bool Magnitudes { get; }
    public ReadOnlySpan<long> Counts => _counts;
    public int Bins => _counts.Length;
    public long Total { get; private set; }

    /// <summary>How many of the values (all counted in the bin holding 0) were exactly zero.</summary>
    public long Zeros { get; private set; }

    /// <summary>Left edge of bin <paramref name="index"/>; <c>Edge(Bins)</c> is <see cref="High"/>.</summary>
    public double Edge(int index) => index >= Bins ? High : Low + (index * BinWidth);

    public void Add(ReadOnlySpan<float> values)
    {
        var counts = _counts.AsSpan();
        var last = counts.Length - 1;
        var low = (float)Low;
        var scale = (float)_scale;
        long added = 0, zeros = 0;
        foreach (var x in values)
        {
            if (!float.IsFinite(x)) continue;
            if (x == 0) zeros++;
            var position = ((Magnitudes ? Math.Abs(x) : x) - low) * scale;
            // Negative positions (and rounding past the last edge) land in the edge bins.
            var index = position <= 0 ? 0 : Math.Min((int)position, last);
            counts[index]++;
            added++;
        }
        Total += added;
        Zeros += zeros;
    }
}
