using EdgeOpt.Quantization.Qdq;

namespace EdgeOpt.Quantization.Debugging;

/// <summary>
/// Folds one planned tensor's values, sample after sample, into a <see cref="TensorError"/>: running extrema, counts
/// and sums of squares only, so any number of samples takes constant memory. Fake quantization follows the runtime:
/// activations divide in single precision as <c>QuantizeLinear</c> does, constants in double as the quantizer stored them.
/// </summary>
internal sealed class TensorErrorAccumulator
{
    private readonly TensorQuantization _entry;
    private readonly string _kind;
    private readonly long _qmin, _qmax;
    private readonly long _channels, _inner;
    private float _min = float.PositiveInfinity, _max = float.NegativeInfinity;
    private long _count, _clipped;
    private double _signal, _localNoise, _pairedSignal, _accumulatedNoise;
    private bool _paired;

    public TensorErrorAccumulator(TensorQuantization entry, string kind, IReadOnlyList<long>? dims = null)
    {
        _entry = entry;
        _kind = kind;
        (_qmin, _qmax) = QdqMath.IntegerRange(entry.Precision);
        (_channels, _inner) = entry.Axis is { } axis && dims is not null ? QdqMath.Slicing(dims, axis) : (1, long.MaxValue);
    }

    public string Name => _entry.Name;

    /// <summary>Adds float values: range, clipping and the local (own fake-quantization) error.</summary>
    public void AddFloat(ReadOnlySpan<float> values)
    {
        var constant = _kind != TensorError.Activation;
        var rangeMin = _entry.Min ?? float.NegativeInfinity;
        var rangeMax = _entry.Max ?? float.PositiveInfinity;
        for (var i = 0; i < values.Length; i++)
        {
            var x = values[i];
            var c = _channels == 1 ? 0 : (int)(i / _inner % _channels);
            double scale = _entry.Scales[c];
            long zeroPoint = _entry.ZeroPoints[c];
            var code = constant
                ? Math.Round(x / scale, MidpointRounding.ToEven) + zeroPoint
                : MathF.Round(x / (float)scale, MidpointRounding.ToEven) + zeroPoint;
            var clamped = Math.Clamp(code, _qmin, _qmax);
            var y = constant ? (clamped - zeroPoint) * scale : (float)((clamped - zeroPoint) * (float)scale);
            var outside = _entry.Min is null ? code < _qmin || code > _qmax : x < rangeMin || x > rangeMax;
            if (outside) _clipped++;
            _min = MathF.Min(_min, x);
            _max = MathF.Max(_max, x);
            _signal += (double)x * x;
            _localNoise += (x - y) * (x - y);
        }
        _count += values.Length;
    }

    /// <summary>Adds the float model's values against the quantized model's at the same point.</summary>
    /// <exception cref="EdgeOptException">The two tensors differ in size.</exception>
    public void AddPair(ReadOnlySpan<float> reference, ReadOnlySpan<float> quantized)
    {
        if (reference.Length != quantized.Length)
            throw new EdgeOptException($"tensor '{Name}' has {reference.Length} values in the float model but {quantized.Length} in the quantized model");
        _paired = true;
        for (var i = 0; i < reference.Length; i++)
        {
            double x = reference[i], d = x - quantized[i];
            _pairedSignal += x * x;
            _accumulatedNoise += d * d;
        }
    }

    public TensorError Result() => new(
        _entry.Name, _kind, _entry.Precision, _entry.Scales, _entry.ZeroPoints, _entry.Min, _entry.Max,
        _count == 0 ? 0 : _min, _count == 0 ? 0 : _max, _count == 0 ? 0 : (double)_clipped / _count,
        Sqnr(_signal, _localNoise), _paired ? Sqnr(_pairedSignal, _accumulatedNoise) : null);

    /// <summary><c>10·log10(signal / noise)</c>; positive infinity when there is no noise.</summary>
    public static double Sqnr(double signal, double noise) =>
        noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
}
