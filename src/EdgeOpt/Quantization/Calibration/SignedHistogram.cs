using System.Numerics;
using System.Runtime.InteropServices;

namespace EdgeOpt.Quantization.Calibration;

/// <summary>
/// A histogram of one tensor filled in a single pass: positive values and negative magnitudes in two halves of equal
/// bin width over [0, <see cref="High"/>], exact zeros counted apart. When a sample exceeds the range, the range
/// doubles (as often as needed) and adjacent bins merge pairwise, so no count moves to a wrong bin and the result
/// does not depend on how the data was split into samples of similar range; the last bin in use always lies in the
/// upper half, so at least half the bins resolve the observed range. Memory is two counts per bin.
/// </summary>
internal sealed class SignedHistogram
{
    // One array, so filling it has no data-dependent branch: [0] exact zeros, [1..n] positive bins, [n+1..2n] negative.
    private readonly long[] _counts;
    private readonly int _bins;
    private double _scale;

    public SignedHistogram(int binsPerSide)
    {
        _bins = binsPerSide;
        _counts = new long[(2 * binsPerSide) + 1];
    }

    private bool _seen;

    /// <summary>The exact extremes of the finite values seen ((0, 0) before any).</summary>
    public TensorRange Range { get; private set; }

    /// <summary>Right edge of the last bin (0 until a non-zero value was seen).</summary>
    public double High { get; private set; }

    public double BinWidth => High / _bins;
    public int BinsPerSide => _bins;

    /// <summary>Counts of positive values, bin k holding [k·width, (k+1)·width) (the last also High itself).</summary>
    public ReadOnlySpan<long> Positive => _counts.AsSpan(1, _bins);

    /// <summary>Counts of negative values by magnitude, laid out like <see cref="Positive"/>.</summary>
    public ReadOnlySpan<long> Negative => _counts.AsSpan(1 + _bins, _bins);

    /// <summary>Values exactly zero: representable in any scale, so they never count towards a range's error.</summary>
    public long Zeros => _counts[0];

    /// <summary>Finite values seen, zeros included.</summary>
    public long Total { get; private set; }

    public void Add(ReadOnlySpan<float> values)
    {
        var (min, max) = MinMaxCollector.FiniteMinMax(values);
        if (min > max) return;
        Range = _seen ? new TensorRange(Math.Min(Range.Min, min), Math.Max(Range.Max, max)) : new TensorRange(min, max);
        _seen = true;
        var magnitude = Math.Max(Math.Abs((double)min), Math.Abs((double)max));
        if (magnitude > High) Grow(magnitude);

        // No data-dependent branch in the loop: half of a Relu's output is zero, which defeats branch prediction.
        var bins = _bins;
        var slots = _counts;
        var scale = (float)_scale;
        var i = 0;
        long skipped = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            var vScale = new Vector<float>(scale);
            var vLast = new Vector<int>(bins - 1);
            var vOne = Vector<int>.One;
            var vBins = new Vector<int>(bins);
            Span<int> lanes = stackalloc int[Vector<int>.Count];
            foreach (var v in vectors)
            {
                // x - x is 0 for finite x, NaN otherwise: non-finite lanes are counted apart and dropped.
                var finite = Vector.Equals(v - v, Vector<float>.Zero);
                var k = Vector.Min(Vector.ConvertToInt32(Vector.Abs(v) * vScale), vLast);
                var slot = k + vOne + (Vector.LessThan(v, Vector<float>.Zero) & vBins);
                slot = Vector.ConditionalSelect(Vector.Equals(v, Vector<float>.Zero), Vector<int>.Zero, slot);
                slot = Vector.ConditionalSelect(finite, slot, new Vector<int>(-1));
                slot.CopyTo(lanes);
                foreach (var s in lanes)
                {
                    if (s < 0) skipped++;
                    else slots[s]++;
                }
            }
            i = vectors.Length * Vector<float>.Count;
        }
        foreach (var x in values[i..])
        {
            if (!float.IsFinite(x)) { skipped++; continue; }
            var k = Math.Min((int)(MathF.Abs(x) * scale), bins - 1);
            slots[x == 0 ? 0 : x > 0 ? k + 1 : k + 1 + bins]++;
        }

        Total += values.Length - skipped;
    }

    /// <summary>Magnitudes (both signs together), zeros excluded, over the first <paramref name="bins"/> bins.</summary>
    public long[] Magnitudes(int bins)
    {
        var counts = new long[bins];
        for (var k = 0; k < bins; k++) counts[k] = _counts[1 + k] + _counts[1 + _bins + k];
        return counts;
    }

    /// <summary>Bins in use on either side: one past the last non-empty bin (0 when all values were zero).</summary>
    public int UsedBins()
    {
        for (var k = _bins - 1; k >= 0; k--)
            if (_counts[1 + k] != 0 || _counts[1 + _bins + k] != 0) return k + 1;
        return 0;
    }

    private void Grow(double magnitude)
    {
        if (High == 0)
        {
            High = magnitude;
            _scale = _bins / High;
            return;
        }
        // Doubling the range merges bins pairwise; past as many doublings as there are bins everything is in bin 0.
        var high = High;
        var factor = 1;
        while (high < magnitude)
        {
            high *= 2;
            factor = Math.Min(factor * 2, _bins);
        }
        Merge(_counts.AsSpan(1, _bins), factor);
        Merge(_counts.AsSpan(1 + _bins, _bins), factor);
        High = high;
        _scale = _bins / High;
    }

    /// <summary>Bin k of the wider histogram is the sum of bins [k·factor, (k+1)·factor) of the narrower one.</summary>
    private static void Merge(Span<long> counts, int factor)
    {
        var merged = (counts.Length + factor - 1) / factor;
        for (var k = 0; k < merged; k++)
        {
            long sum = 0;
            var end = (int)Math.Min((k + 1) * (long)factor, counts.Length);
            for (var j = k * factor; j < end; j++) sum += counts[j];
            counts[k] = sum;
        }
        counts[merged..].Clear();
    }
}
