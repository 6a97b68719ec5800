using System.Numerics;
using System.Runtime.InteropServices;

namespace EdgeOpt.Quantization.Calibration;

/// <summary>
/// Running min/max of one tensor over samples: the extremes of all samples, or an exponential moving average of each
/// sample's extremes (the first sample sets the range, later ones pull it by <c>constant × (sample − range)</c>).
/// Non-finite values are ignored, so one NaN does not poison the range.
/// </summary>
internal sealed class MinMaxCollector(bool movingAverage, double constant)
{
    private bool _seen;
    private double _min, _max;

    /// <summary>The range so far; (0, 0) when no finite value was observed.</summary>
    public TensorRange Range => _seen ? new((float)_min, (float)_max) : default;

    /// <summary>Largest magnitude so far.</summary>
    public float MaxMagnitude => _seen ? (float)Math.Max(Math.Abs(_min), Math.Abs(_max)) : 0f;

    public void Add(ReadOnlySpan<float> values)
    {
        var (min, max) = FiniteMinMax(values);
        if (min > max) return;
        if (!_seen)
        {
            (_min, _max, _seen) = (min, max, true);
        }
        else if (movingAverage)
        {
            _min += constant * (min - _min);
            _max += constant * (max - _max);
        }
        else
        {
            _min = Math.Min(_min, min);
            _max = Math.Max(_max, max);
        }
    }

    /// <summary>Min and max of the finite values; (+inf, -inf) when there are none.</summary>
    internal static (float Min, float Max) FiniteMinMax(ReadOnlySpan<float> values)
    {
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= 2 * Vector<float>.Count)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            var vMin = vectors[0];
            var vMax = vectors[0];
            var finite = Vector<int>.AllBitsSet;
            foreach (var v in vectors)
            {
                vMin = Vector.Min(vMin, v);
                vMax = Vector.Max(vMax, v);
                // x - x is 0 for finite x and NaN for NaN or infinity.
                finite &= Vector.Equals(v - v, Vector<float>.Zero);
            }
            if (finite == Vector<int>.AllBitsSet)
            {
                for (var k = 0; k < Vector<float>.Count; k++)
                {
                    min = Math.Min(min, vMin[k]);
                    max = Math.Max(max, vMax[k]);
                }
                i = vectors.Length * Vector<float>.Count;
            }
        }
        // The tail, or everything when a non-finite value needs filtering.
        foreach (var v in values[i..])
        {
            // Comparisons against NaN are false and infinities are filtered, so only finite values count.
            if (v < min && v != float.NegativeInfinity) min = v;
            if (v > max && v != float.PositiveInfinity) max = v;
        }
        return (min, max);
    }
}
