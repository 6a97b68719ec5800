using EdgeOpt.Onnx;

namespace EdgeOpt.Runtime;

/// <summary>
/// Folds one output's (expected, actual) pairs, sample after sample, into an <see cref="OutputFidelity"/>: running
/// maxima and sums only, so any number of samples takes constant memory.
/// </summary>
internal sealed class FidelityAccumulator
{
    private double _maxAbs, _maxRel, _minCos = 1, _signal, _noise;
    private long _rows, _agree;

    public void Add(string name, Tensor expected, Tensor actual)
    {
        if (!expected.Dims.SequenceEqual(actual.Dims))
            throw new EdgeOptException($"output '{name}' has shape [{string.Join(",", actual.Dims)}] but the original gives [{string.Join(",", expected.Dims)}]");
        if (!expected.DataType.IsFloatingPoint() && expected.DataType != DataType.String)
        {
            var e = expected.ToInt64Array();
            var a = actual.ToInt64Array();
            var diff = e.Zip(a, (x, y) => Math.Abs((double)x - y)).DefaultIfEmpty(0).Max();
            _maxAbs = Math.Max(_maxAbs, diff);
            _maxRel = Math.Max(_maxRel, diff / Math.Max(1, e.Select(x => Math.Abs((double)x)).DefaultIfEmpty(0).Max()));
            return;
        }
        var ef = expected.ToSingleArray();
        var af = actual.ToSingleArray();
        double dot = 0, ne = 0, na = 0, maxMag = 0, maxAbs = 0;
        for (var i = 0; i < ef.Length; i++)
        {
            double x = ef[i], y = af[i];
            if (double.IsNaN(x) && double.IsNaN(y)) continue;
            var d = Math.Abs(x - y);
            maxAbs = Math.Max(maxAbs, double.IsNaN(d) ? double.PositiveInfinity : d);
            maxMag = Math.Max(maxMag, Math.Abs(x));
            dot += x * y;
            ne += x * x;
            na += y * y;
            _signal += x * x;
            _noise += (x - y) * (x - y);
        }
        _maxAbs = Math.Max(_maxAbs, maxAbs);
        _maxRel = Math.Max(_maxRel, maxMag > 0 ? maxAbs / maxMag : maxAbs);
        var cos = ne == 0 && na == 0 ? 1 : dot / Math.Sqrt(ne * na);
        _minCos = Math.Min(_minCos, double.IsNaN(cos) ? 0 : cos);
        var last = expected.Dims.Count == 0 ? 1 : (int)expected.Dims[^1];
        if (last <= 1) return;
        for (var r = 0; r + last <= ef.Length; r += last)
        {
            _rows++;
            if (ArgMax(ef, r, last) == ArgMax(af, r, last)) _agree++;
        }
    }

    private static int ArgMax(float[] v, int start, int length)
    {
        var best = start;
        for (var i = start + 1; i < start + length; i++) if (v[i] > v[best]) best = i;
        return best - start;
    }

    public OutputFidelity Result(string name) => new(name, _maxAbs, _maxRel, _minCos,
        _noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(_signal / _noise),
        _rows == 0 ? 1 : (double)_agree / _rows);
}
