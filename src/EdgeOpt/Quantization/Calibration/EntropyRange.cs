namespace EdgeOpt.Quantization.Calibration;

/// <summary>
/// Entropy (KL divergence) calibration as TensorRT describes it for int8 (Migacz, "8-bit Inference with TensorRT",
/// GTC 2017). Over a histogram of magnitudes (2048 bins by default), every candidate threshold i from 128 bins up to
/// all of them is scored:
/// <list type="bullet">
/// <item>the reference P is bins [0, i) with every count beyond (the outliers) folded into bin i − 1;</item>
/// <item>the candidate Q is the same bins without the outliers merged into 128 levels of i / 128 bins each (the last
/// level also takes the remainder), each level's count spread evenly over the bins where P is non-zero;</item>
/// <item>both are smoothed (empty bins get a little mass) and normalized, and the threshold with the smallest
/// KL(P‖Q) wins, at i bin widths.</item>
/// </list>
/// A larger threshold wastes levels on rare outliers, a smaller one clips too much mass.
/// <para>
/// One deliberate departure: values that are exactly zero (most of a Relu's output) are left out of bin 0. They are
/// representable in every scale, so they cannot inform the choice; left in, their spike dominates the divergence of
/// the first level and drags the threshold down to a few percent of the range, clipping what matters. (NVIDIA's
/// pytorch-quantization instead overwrites bin 0 with bin 1's count, which also erases the genuine small values of
/// bin 0 and invents mass for signed tensors that have no spike at all.)
/// </para>
/// </summary>
internal static class EntropyRange
{
    /// <summary>Quantized levels per sign for int8: [-127, 127] plus zero leaves 128 magnitudes.</summary>
    public const int QuantizedLevels = 128;

    // Mass moved onto empty bins before the divergence, so log(P/Q) stays finite (TensorRT's smoothing).
    private const double Epsilon = 1e-4;

    /// <summary>The symmetric range ±threshold, clipped to what was observed (<paramref name="observed"/>).</summary>
    public static TensorRange Choose(HistogramCollector magnitudes, TensorRange observed)
    {
        var counts = magnitudes.Counts.ToArray();
        counts[0] -= magnitudes.Zeros;
        var threshold = (float)magnitudes.Edge(ThresholdBins(counts));
        return Clip(threshold, observed);
    }

    /// <summary>±<paramref name="threshold"/> within the observed range.</summary>
    public static TensorRange Clip(float threshold, TensorRange observed) =>
        new(Math.Max(observed.Min, -threshold), Math.Min(observed.Max, threshold));

    /// <summary>
    /// The number of leading bins of <paramref name="counts"/> (a magnitude histogram without exact zeros) to keep:
    /// the threshold is that many bin widths. All of them when there are no more bins than levels or no mass.
    /// <paramref name="stride"/> &gt; 1 tries only every stride-th threshold (and the last).
    /// </summary>
    public static int ThresholdBins(ReadOnlySpan<long> counts, int stride = 1)
    {
        var bins = counts.Length;
        long total = 0;
        foreach (var c in counts) total += c;
        if (bins <= QuantizedLevels || total == 0) return bins;

        var p = new double[bins];
        var q = new double[bins];
        var outliers = total;
        for (var k = 0; k < QuantizedLevels; k++) outliers -= counts[k];

        var best = double.PositiveInfinity;
        var bestBins = bins;
        for (var length = QuantizedLevels; length <= bins; length++)
        {
            for (var k = 0; k < length; k++) p[k] = counts[k];
            p[length - 1] += outliers;

            var merged = length / QuantizedLevels;
            for (var level = 0; level < QuantizedLevels; level++)
            {
                var first = level * merged;
                var end = level == QuantizedLevels - 1 ? length : first + merged;
                double mass = 0;
                var occupied = 0;
                for (var k = first; k < end; k++)
                {
                    mass += counts[k];
                    if (p[k] != 0) occupied++;
                }
                var share = occupied == 0 ? 0 : mass / occupied;
                for (var k = first; k < end; k++) q[k] = p[k] == 0 ? 0 : share;
            }

            var divergence = Divergence(p.AsSpan(0, length), q.AsSpan(0, length));
            if (divergence < best)
            {
                best = divergence;
                bestBins = length;
            }
            // Move to the next threshold tried: its outliers are what lies beyond it.
            var next = length == bins ? bins + 1 : Math.Min(length + stride, bins);
            for (var k = length; k < Math.Min(next, bins); k++) outliers -= counts[k];
            length = next - 1;
        }
        return bestBins;
    }

    /// <summary>KL(P‖Q) of two unnormalized distributions after smoothing; infinity when either cannot be smoothed.</summary>
    private static double Divergence(Span<double> p, Span<double> q)
    {
        if (!Smooth(p) || !Smooth(q)) return double.PositiveInfinity;
        double sumP = 0, sumQ = 0;
        foreach (var v in p) sumP += v;
        foreach (var v in q) sumQ += v;
        double kl = 0;
        for (var k = 0; k < p.Length; k++)
        {
            if (p[k] <= 0) continue;
            kl += p[k] / sumP * Math.Log(p[k] / sumP / (q[k] / sumQ));
        }
        return kl;
    }

    /// <summary>Gives each empty bin a little mass taken evenly from the others; false when all are empty or too little mass is left.</summary>
    private static bool Smooth(Span<double> d)
    {
        var zeros = 0;
        foreach (var v in d) if (v == 0) zeros++;
        var nonZeros = d.Length - zeros;
        if (nonZeros == 0) return false;
        if (zeros == 0) return true;
        var take = Epsilon * zeros / nonZeros;
        for (var k = 0; k < d.Length; k++)
        {
            if (d[k] == 0) d[k] = Epsilon;
            else if ((d[k] -= take) <= 0) return false;
        }
        return true;
    }
}
