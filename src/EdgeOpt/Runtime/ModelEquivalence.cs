using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Runtime;

/// <summary>How close one output of a transformed model is to the original's, over all compared samples.</summary>
/// <param name="Name">Output name.</param>
/// <param name="MaxAbsError">Largest absolute difference of any element.</param>
/// <param name="MaxRelativeError">Largest absolute difference divided by the reference output's largest magnitude.</param>
/// <param name="Cosine">Smallest cosine similarity between flattened outputs (1 = same direction).</param>
/// <param name="SqnrDb">Signal-to-quantization-noise ratio in dB (infinity when identical).</param>
/// <param name="Top1Agreement">Fraction of rows whose argmax over the last axis agrees (classifier outputs).</param>
public sealed record OutputFidelity(string Name, double MaxAbsError, double MaxRelativeError, double Cosine, double SqnrDb, double Top1Agreement);

/// <summary>The comparison of every output of two models on the same inputs.</summary>
public sealed record EquivalenceReport(IReadOnlyList<OutputFidelity> Outputs, int Samples)
{
    public double MaxAbsError => Outputs.Count == 0 ? 0 : Outputs.Max(o => o.MaxAbsError);
    public double MaxRelativeError => Outputs.Count == 0 ? 0 : Outputs.Max(o => o.MaxRelativeError);

    /// <summary>Whether every output is within <paramref name="relativeTolerance"/> of the reference's largest magnitude.</summary>
    public bool IsWithin(double relativeTolerance) => Outputs.All(o => o.MaxRelativeError <= relativeTolerance);
}

/// <summary>
/// Verifies transforms numerically: runs the original and the transformed model in ONNX Runtime on the same inputs
/// and compares outputs by name. ORT's own graph optimizations are off by default, so the comparison measures our
/// transform rather than ORT's rewrites.
/// </summary>
public static class ModelEquivalence
{
    /// <summary>Compares on <paramref name="samples"/> random input sets (see <see cref="InputGenerator"/>).</summary>
    public static EquivalenceReport Compare(Model reference, Model candidate, int samples = 8, int seed = 0,
        IReadOnlyDictionary<string, long>? dims = null, SessionSettings? settings = null) =>
        Compare(reference, candidate, Enumerable.Range(0, samples).Select(i => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(reference, seed + i, dims)).ToList(), settings);

    /// <summary>Compares on the given input sets (input name → tensor).</summary>
    public static EquivalenceReport Compare(Model reference, Model candidate, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> inputs, SessionSettings? settings = null)
    {
        settings ??= new SessionSettings { Optimization = GraphOptimization.None, IntraOpThreads = 1 };
        using var a = SessionFactory.Create(reference, settings);
        using var b = SessionFactory.Create(candidate, settings);
        var names = a.OutputMetadata.Keys.ToList();
        var acc = names.ToDictionary(n => n, _ => new Accumulator(), StringComparer.Ordinal);
        foreach (var sample in inputs)
        {
            var ra = Run(a, sample);
            var rb = Run(b, sample);
            for (var i = 0; i < names.Count; i++)
            {
                var expected = ra[names[i]];
                var actual = rb.TryGetValue(names[i], out var byName) ? byName
                    : i < rb.Count ? rb.Values.ElementAt(i)
                    : throw new EdgeOptException($"the transformed model has no output '{names[i]}'");
                acc[names[i]].Add(names[i], expected, actual);
            }
        }
        return new EquivalenceReport(names.Select(n => acc[n].Result(n)).ToList(), inputs.Count);
    }

    private static Dictionary<string, Tensor> Run(InferenceSession session, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var names = session.InputMetadata.Keys.Where(inputs.ContainsKey).ToList();
        var values = names.Select(n => OrtTensors.ToOrtValue(inputs[n])).ToList();
        try
        {
            using var runOptions = new RunOptions();
            var outputNames = session.OutputMetadata.Keys.ToList();
            using var outputs = session.Run(runOptions, names, values, outputNames);
            return outputNames.Select((n, i) => (n, t: OrtTensors.ToTensor(outputs[i], n))).ToDictionary(x => x.n, x => x.t, StringComparer.Ordinal);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    private sealed class Accumulator
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
}
