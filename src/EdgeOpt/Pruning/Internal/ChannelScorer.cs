using System.Diagnostics;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// Ranks the channels of each prunable group (higher = more important). Each producer's scores are divided by their
/// mean before they are summed, so a residual group's producers count alike whatever their weight scale.
/// </summary>
internal static class ChannelScorer
{
    public static Dictionary<int, double[]> Score(Model model, DependencyGraph plan, IEnumerable<ChannelGroup> groups, ChannelImportance importance,
        IReadOnlyList<IReadOnlyDictionary<string, Tensor>>? samples)
    {
        var initializers = model.Graph.Initializers.ToDictionary(v => v.Name, StringComparer.Ordinal);
        var activations = importance == ChannelImportance.Activation && samples is { Count: > 0 }
            ? MeanAbsoluteActivations(model, plan, groups, samples) : [];
        var result = new Dictionary<int, double[]>();
        foreach (var group in groups)
        {
            var total = new double[group.Channels];
            foreach (var producer in group.Producers)
            {
                double[]? scores = activations.GetValueOrDefault(producer.Atom);
                if (scores is null)
                {
                    var weight = initializers[producer.Weight].Initializer!;
                    var rows = Rows(weight, producer.Dim);
                    if (plan.OutputScales.TryGetValue(producer.Atom, out var scale) && scale.Length == rows.Length)
                        for (var c = 0; c < rows.Length; c++)
                            for (var j = 0; j < rows[c].Length; j++) rows[c][j] *= scale[c];
                    scores = importance == ChannelImportance.Fpgm ? GeometricMedianDistance(rows)
                        : importance == ChannelImportance.L2 ? rows.Select(r => Math.Sqrt(r.Sum(x => (double)x * x))).ToArray()
                        : rows.Select(r => r.Sum(x => (double)Math.Abs(x))).ToArray();
                }
                var mean = scores.Average();
                for (var c = 0; c < total.Length && c < scores.Length; c++) total[c] += mean > 0 ? scores[c] / mean : 0;
            }
            result[group.Root] = total;
        }
        return result;
    }

    /// <summary>The weight's slices along <paramref name="dim"/>, one float array per output channel.</summary>
    private static float[][] Rows(Tensor weight, int dim)
    {
        var values = weight.ToSingleArray();
        var dims = weight.Dims;
        var size = checked((int)dims[dim]);
        long inner = 1;
        for (var i = dim + 1; i < dims.Count; i++) inner *= dims[i];
        var perRow = values.Length / size;
        var rows = new float[size][];
        for (var c = 0; c < size; c++) rows[c] = new float[perRow];
        var fill = new int[size];
        for (var i = 0; i < values.Length; i++)
        {
            var c = (int)(i / inner % size);
            rows[c][fill[c]++] = values[i];
        }
        return rows;
    }

    /// <summary>FPGM (He et al. 2019): the summed distance of each filter to all others; the smallest lie nearest the geometric median and are the most replaceable.</summary>
    private static double[] GeometricMedianDistance(float[][] rows)
    {
        var n = rows.Length;
        var norms = rows.Select(r => Dot(r, r)).ToArray();
        var result = new double[n];
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++)
            {
                var d = Math.Sqrt(Math.Max(0, norms[i] + norms[j] - 2 * Dot(rows[i], rows[j])));
                result[i] += d;
                result[j] += d;
            }
        return result;
    }

    private static double Dot(float[] a, float[] b)
    {
        var width = System.Numerics.Vector<float>.Count;
        var acc = System.Numerics.Vector<float>.Zero;
        var i = 0;
        for (; i <= a.Length - width; i += width)
            acc += new System.Numerics.Vector<float>(a, i) * new System.Numerics.Vector<float>(b, i);
        double sum = System.Numerics.Vector.Sum(acc);
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>Mean |activation| of every producer's output channels over the samples.</summary>
    private static Dictionary<int, double[]> MeanAbsoluteActivations(Model model, DependencyGraph plan, IEnumerable<ChannelGroup> groups,
        IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples)
    {
        var producers = groups.SelectMany(g => g.Producers)
            .Where(p => plan.ProducerOutputs.TryGetValue(p.Atom, out var o) && Stride(o.Shape, o.Axis) is not null).ToList();
        if (producers.Count == 0) return [];
        var names = producers.Select(p => plan.ProducerOutputs[p.Atom].Value).Distinct(StringComparer.Ordinal).ToList();
        var sums = producers.ToDictionary(p => p.Atom, p => new double[plan.AtomLength(p.Atom)]);
        var byTensor = names.Select(n => producers.Where(p => plan.ProducerOutputs[p.Atom].Value == n).ToList()).ToList();
        using var runner = new ActivationRunner(model, names);
        var inference = new Stopwatch();
        var statistics = new Stopwatch();
        for (var s = 0; s < samples.Count; s++)
        {
            runner.Run(samples[s], s, (tensor, values) =>
            {
                foreach (var p in byTensor[tensor])
                {
                    var (_, shape, axis) = plan.ProducerOutputs[p.Atom];
                    var inner = Stride(shape, axis)!.Value;
                    var sum = sums[p.Atom];
                    var channels = sum.Length;
                    for (var i = 0; i < values.Length; i++) sum[(int)(i / inner % channels)] += Math.Abs(values[i]);
                }
            }, inference, statistics);
        }
        return sums;
    }

    private static long? Stride(TensorShape? shape, int axis)
    {
        if (axis == -1) return 1;
        if (shape is null || shape.Rank < -axis) return null;
        long inner = 1;
        for (var i = shape.Rank + axis + 1; i < shape.Rank; i++)
        {
            if (shape[i].Value is not { } d) return null;
            inner *= d;
        }
        return inner;
    }
}
