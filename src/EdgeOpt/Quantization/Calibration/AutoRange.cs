using EdgeOpt.Quantization.Qdq;

namespace EdgeOpt.Quantization.Calibration;

/// <summary>
/// <see cref="CalibrationMethod.Auto"/>: for one tensor, the candidate ranges of every method (MinMax, percentiles
/// 99.9 / 99.99 / 99.999, entropy, and the MSE-optimal clipping range) each scored by the mean squared error it
/// causes at that tensor, computed from the tensor's histogram under the quantizer the range will feed (the real
/// scale and zero point: 8-bit asymmetric or symmetric). The smallest error wins; on a tie the simpler method.
/// <para>
/// Within a bin values are taken as uniformly spread: a value inside the quantizer's interval costs the rounding
/// noise step²/12, a value outside it its squared distance to the nearest end (integrated over the clipped part of
/// the bin). Exact zeros cost nothing, since zero is representable in every scale.
/// </para>
/// </summary>
internal static class AutoRange
{
    /// <summary>The percentiles tried, in the order preferred on a tie (the least clipping first).</summary>
    public static readonly double[] Percentiles = [99.999, 99.99, 99.9];

    // The MSE-optimal range is searched as a shrink factor of the observed range, in steps of 1/MseSteps.
    private const int MseSteps = 1024;

    // Resolution of auto's entropy candidate (TensorRT: 2048 bins; the search starts at 128).
    private const int EntropyBins = 512;

    /// <summary>One candidate: the method's name (as reported per tensor), its range and the error it causes.</summary>
    public readonly record struct Candidate(string Method, TensorRange Range, double MeanSquaredError);

    /// <summary>The best candidate for <paramref name="histogram"/> (observed extremes <paramref name="observed"/>).</summary>
    public static Candidate Choose(SignedHistogram histogram, TensorRange observed, QuantizedPrecision type, bool symmetric)
    {
        var best = default(Candidate);
        var first = true;
        foreach (var candidate in Candidates(histogram, observed, type, symmetric))
        {
            if (first || candidate.MeanSquaredError < best.MeanSquaredError) best = candidate;
            first = false;
        }
        return best;
    }

    /// <summary>Every candidate with its error, simplest first.</summary>
    public static IEnumerable<Candidate> Candidates(SignedHistogram histogram, TensorRange observed, QuantizedPrecision type, bool symmetric)
    {
        var errors = new ErrorModel(histogram, type, symmetric);
        yield return new("minmax", observed, errors.MeanSquaredError(observed));
        if (histogram.High == 0) yield break; // only zeros: nothing to clip

        foreach (var p in Percentiles)
        {
            var range = Percentile(histogram, observed, p);
            yield return new(FormattableString.Invariant($"percentile-{p}"), range, errors.MeanSquaredError(range));
        }

        // TensorRT's search over the used bins merged to at most EntropyBins (it costs bins² per tensor; entropy is one
        // candidate of six and rarely the best, so it does not need the standalone method's 2048-bin resolution).
        var used = Math.Max(histogram.UsedBins(), Math.Min(EntropyRange.QuantizedLevels, histogram.BinsPerSide));
        var merge = Math.Max(1, (used + EntropyBins - 1) / EntropyBins);
        var magnitudes = histogram.Magnitudes(used);
        var merged = new long[(used + merge - 1) / merge];
        for (var k = 0; k < used; k++) merged[k / merge] += magnitudes[k];
        var threshold = (float)(EntropyRange.ThresholdBins(merged) * merge * histogram.BinWidth);
        var entropy = EntropyRange.Clip(threshold, observed);
        yield return new("entropy", entropy, errors.MeanSquaredError(entropy));

        var mse = new Candidate("mse", observed, errors.MeanSquaredError(observed));
        for (var step = 1; step < MseSteps; step++)
        {
            var t = (float)step / MseSteps;
            var range = new TensorRange(observed.Min * t, observed.Max * t);
            var error = errors.MeanSquaredError(range);
            if (error < mse.MeanSquaredError) mse = new("mse", range, error);
        }
        yield return mse;
    }

    /// <summary>
    /// The range keeping <paramref name="percentile"/> % of the values (zeros included), cutting half the rest from
    /// each end, to whole bins on the side of keeping more; within the observed extremes.
    /// </summary>
    public static TensorRange Percentile(SignedHistogram histogram, TensorRange observed, double percentile)
    {
        var cut = (100 - percentile) / 200 * histogram.Total;
        var upper = Bound(histogram.Positive, cut) * histogram.BinWidth;
        var lower = Bound(histogram.Negative, cut) * histogram.BinWidth;
        return new TensorRange(Math.Max(observed.Min, (float)-lower), Math.Min(observed.Max, (float)upper));

        // The smallest edge (in bins) with at most `cut` values beyond it.
        static int Bound(ReadOnlySpan<long> counts, double cut)
        {
            double beyond = 0;
            for (var k = counts.Length - 1; k >= 0; k--)
            {
                if (beyond + counts[k] > cut) return k + 1;
                beyond += counts[k];
            }
            return 0;
        }
    }

    /// <summary>Mean squared error of quantizing the histogram's values with the parameters <paramref name="range"/> gets.</summary>
    public static double MeanSquaredError(SignedHistogram histogram, TensorRange range, QuantizedPrecision type, bool symmetric) =>
        new ErrorModel(histogram, type, symmetric).MeanSquaredError(range);

    /// <summary>
    /// Suffix sums of count, Σ c·x and Σ c·x² per side (x uniform within its bin), so the error of any range costs
    /// O(1): bins inside the quantizer's interval cost rounding noise, bins beyond it their mean squared distance to
    /// the end, and the one bin the end falls in is split exactly.
    /// </summary>
    private sealed class ErrorModel
    {
        private readonly Side _positive;
        private readonly Side _negative;
        private readonly long _total;
        private readonly QuantizedPrecision _type;
        private readonly bool _symmetric;

        public ErrorModel(SignedHistogram histogram, QuantizedPrecision type, bool symmetric)
        {
            _positive = new Side(histogram.Positive, histogram.BinWidth);
            _negative = new Side(histogram.Negative, histogram.BinWidth);
            _total = histogram.Total;
            _type = type;
            _symmetric = symmetric;
        }

        public double MeanSquaredError(TensorRange range)
        {
            if (_total == 0) return 0;
            var (scale, zeroPoint) = QdqMath.Activation(range, _type, _symmetric);
            var (qmin, qmax) = QdqMath.IntegerRange(_type);
            var rounding = (double)scale * scale / 12;
            var high = (qmax - zeroPoint) * (double)scale;
            var low = (qmin - zeroPoint) * (double)scale;
            return (_positive.Error(high, rounding) + _negative.Error(-low, rounding)) / _total;
        }

        private sealed class Side
        {
            private readonly long[] _counts;
            private readonly double _width;
            private readonly double[] _n, _m1, _m2; // suffix sums from bin k to the end

            public Side(ReadOnlySpan<long> counts, double width)
            {
                _counts = counts.ToArray();
                _width = width;
                var bins = counts.Length;
                _n = new double[bins + 1];
                _m1 = new double[bins + 1];
                _m2 = new double[bins + 1];
                for (var k = bins - 1; k >= 0; k--)
                {
                    var center = (k + 0.5) * width;
                    _n[k] = _n[k + 1] + counts[k];
                    _m1[k] = _m1[k + 1] + (counts[k] * center);
                    _m2[k] = _m2[k + 1] + (counts[k] * ((center * center) + (width * width / 12)));
                }
            }

            /// <summary>Squared error of this side's values when the quantizer reaches <paramref name="bound"/> (≥ 0).</summary>
            public double Error(double bound, double rounding)
            {
                var bins = _counts.Length;
                if (_n[0] == 0) return 0;
                if (_width <= 0) return _n[0] * rounding;
                var k = (int)Math.Min(Math.Floor(bound / _width), bins);
                if (k >= bins) return _n[0] * rounding;
                // Bins below k lie inside; bin k is split at the bound; bins above k are clipped to it.
                var error = (_n[0] - _n[k]) * rounding;
                var left = k * _width;
                var inside = (bound - left) / _width;
                var beyond = left + _width - bound;
                error += _counts[k] * ((inside * rounding) + (beyond * beyond * beyond / (3 * _width)));
                error += _m2[k + 1] - (2 * bound * _m1[k + 1]) + (bound * bound * _n[k + 1]);
                return error;
            }
        }
    }
}
