using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// The output error of pruning each group alone (its least important channels, by the same fraction, every other
/// group whole), measured in ONNX Runtime against the unpruned model on a few samples. The allocation gives the most
/// channels to the groups whose removal costs least.
/// </summary>
internal static class SensitivityAnalysis
{
    /// <summary>Samples the probes run on: enough to rank groups, few enough to stay fast.</summary>
    public const int ProbeSamples = 4;

    /// <summary>Fraction of a group's channels each probe removes.</summary>
    public const double ProbeFraction = 0.5;

    public static List<GroupSensitivity> Measure(Model model, DependencyGraph plan, IReadOnlyList<ChannelGroup> groups,
        Dictionary<int, double[]> scores, int roundTo, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples,
        IProgress<PruningProgress>? progress, CancellationToken cancellation)
    {
        using var reference = new OutputProbe(model, samples);
        var result = new List<GroupSensitivity>();
        for (var i = 0; i < groups.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            progress?.Report(new PruningProgress("sensitivity", i, groups.Count));
            var group = groups[i];
            var keep = PruningAllocation.RoundKeep(group.Channels, (int)Math.Round(group.Channels * (1 - ProbeFraction)), roundTo);
            var kept = PruningAllocation.TopChannels(scores[group.Root], keep);
            using var probe = model.Clone();
            ChannelRemover.Apply(probe, plan, atom => plan.Find(atom) == group.Root ? kept : null);
            var (cosine, error) = reference.Compare(probe);
            result.Add(new GroupSensitivity(group.Id, 1 - (double)keep / group.Channels, cosine, error));
        }
        progress?.Report(new PruningProgress("sensitivity", groups.Count, groups.Count));
        return result;
    }

    /// <summary>The reference model's outputs on fixed samples, and the mean cosine and relative error of a candidate against them.</summary>
    internal sealed class OutputProbe : IDisposable
    {
        private static readonly SessionSettings Settings = new() { Optimization = GraphOptimization.Basic, IntraOpThreads = 1 };
        private readonly IReadOnlyList<IReadOnlyDictionary<string, Tensor>> _samples;
        private readonly List<float[][]> _expected;
        private readonly List<string> _outputs;

        public OutputProbe(Model model, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples)
        {
            _samples = samples;
            using var session = SessionFactory.Create(model, Settings);
            _outputs = session.OutputMetadata.Where(kv => kv.Value.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
                .Select(kv => kv.Key).ToList();
            _expected = samples.Select(s => Run(session, s)).ToList();
        }

        public (double Cosine, double RelativeError) Compare(Model candidate)
        {
            using var session = SessionFactory.Create(candidate, Settings);
            double cosine = 0, error = 0;
            var count = 0;
            for (var s = 0; s < _samples.Count; s++)
            {
                var actual = Run(session, _samples[s]);
                for (var o = 0; o < actual.Length; o++)
                {
                    var (c, e) = Similarity(_expected[s][o], actual[o]);
                    cosine += c;
                    error += e;
                    count++;
                }
            }
            return count == 0 ? (1, 0) : (cosine / count, error / count);
        }

        private float[][] Run(InferenceSession session, IReadOnlyDictionary<string, Tensor> sample)
        {
            var names = session.InputMetadata.Keys.Where(sample.ContainsKey).ToList();
            var values = names.Select(n => OrtTensors.ToOrtValue(sample[n])).ToList();
            try
            {
                using var runOptions = new RunOptions();
                using var outputs = session.Run(runOptions, names, values, _outputs);
                return outputs.Select(o => o.GetTensorDataAsSpan<float>().ToArray()).ToArray();
            }
            finally
            {
                foreach (var v in values) v.Dispose();
            }
        }

        public void Dispose() { }
    }

    internal static (double Cosine, double RelativeError) Similarity(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length) return (0, 1);
        double dot = 0, ee = 0, aa = 0, dd = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            dot += e * a;
            ee += e * e;
            aa += a * a;
            dd += (e - a) * (e - a);
        }
        var cosine = ee == 0 && aa == 0 ? 1 : ee == 0 || aa == 0 ? 0 : dot / Math.Sqrt(ee * aa);
        var error = ee == 0 ? (dd == 0 ? 0 : 1) : Math.Sqrt(dd / ee);
        return (cosine, error);
    }
}
