namespace EdgeOpt.Quantization.Calibration;

/// <summary>
/// Entropy (KL divergence) calibration as TensorRT does it for int8. Over a histogram of magnitudes, every candidate
/// threshold at a bin edge from bin 128 on is scored: the reference P is the histogram up to the threshold with all
/// clipped mass added to its last bin; the candidate Q is the same bins (without the clipped mass) merged into 128
/// levels and spread back evenly over the bins P has mass in. The threshold with the smallest KL(P‖Q) wins: a
/// larger one wastes levels on rare outliers, a smaller one clips too much mass.
/// <para>
/// Bin 0 is scored with bin 1's count (as NVIDIA's pytorch-quantization does): after a Relu most values are exactly
/// zero, and that spike, merged into the first level with its neighbours, would otherwise dominate the divergence and
/// pull the threshold down to a few percent of the real range. Zero is exact in any scale, so it needs no levels.
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
        var threshold = (float)Threshold(magnitudes);
        return new TensorRange(Math.Max(observed.Min, -threshold), Math.Min(observed.Max, threshold));
    }

    /// <summary>The magnitude at which to clip.</summary>
    public static double Threshold(HistogramCollector histogram)
    {
        var bins = histogram.Counts.Length;
        if (bins <= QuantizedLevels || histogram.Total == 0) return histogram.High;
        var counts = histogram.Counts.ToArray();
        counts[0] = counts[1];
        var total = 0L;
        foreach (var c in counts) total += c;
        if (total == 0) return histogram.High;

        var p = new double[bins];
        var q = new double[bins];
        var clipped = total;
        for (var i = 0; i < QuantizedLevels; i++) clipped -= counts[i];

        var best = double.PositiveInfinity;
        var bestBins = bins;
        for (var length = QuantizedLevels; length <= bins; length++)
        {
            // Reference: bins [0, length) with everything beyond folded into the last one.
            for (var k = 0; k < length; k++) p[k] = counts[k];
            p[length - 1] += clipped;

            // Candidate: the unclipped bins merged into 128 levels (bin k in level floor(128k / length)), each level
            // spread evenly over its bins that P has mass in.
            for (var level = 0; level < QuantizedLevels; level++)
            {
                var first = Ceiling(level, length);
                var end = Ceiling(level + 1, length);
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
            if (length < bins) clipped -= counts[length];
        }
        return histogram.Edge(bestBins);
    }

    /// <summary>The first bin of <paramref name="level"/> when <paramref name="length"/> bins form 128 levels: ceil(level × length / 128).</summary>
    private static int Ceiling(int level, int length) => (int)(((long)level * length + QuantizedLevels - 1) / QuantizedLevels);

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
