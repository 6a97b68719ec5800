using EdgeOpt.Onnx;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// The calibration inputs of a set of layers, reduced to per-group Gram matrices (or only column norms) in one
/// ORT pass: each layer's input tensor is captured, and at a seeded sample of its output positions the im2col row
/// (Conv) or input row (Gemm/MatMul) is streamed into a <see cref="GramAccumulator"/>. Activations are never kept.
/// </summary>
internal static class LayerInputStatistics
{
    /// <summary>Rows gathered per layer: about this many times its columns, spread evenly over the samples.</summary>
    public const int RowsPerColumn = 2;

    /// <summary>Positions taken from one sample of one layer, at least and at most.</summary>
    public const int MinRowsPerSample = 8, MaxRowsPerSample = 256;

    /// <summary>Accumulators [layer][group] for <paramref name="layers"/> of <paramref name="model"/> on <paramref name="samples"/>.</summary>
    public static GramAccumulator[][] Collect(Model model, IReadOnlyList<LinearLayer> layers, IReadOnlyList<int> seeds,
        IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples, bool gram, CancellationToken cancellation)
    {
        var accumulators = layers.Select(l => Enumerable.Range(0, l.Groups).Select(_ => new GramAccumulator(l.Columns, 0, withOnes: false, gram)).ToArray()).ToArray();
        var names = layers.Select(l => l.InputName).Distinct(StringComparer.Ordinal).ToList();
        var byName = names.Select(n => Enumerable.Range(0, layers.Count).Where(i => layers[i].InputName == n).ToArray()).ToArray();
        var rows = layers.Select(l => new float[l.Columns]).ToArray();
        TensorCapture.Run(model, names, samples, (sample, tensor, shape, values) =>
        {
            foreach (var i in byName[tensor])
            {
                var layer = layers[i];
                var geometry = layer.GeometryFor(shape);
                var perSample = RowsPerSample(layer.Columns, samples.Count);
                foreach (var position in Positions(geometry.Positions, perSample, seeds[i], sample))
                    for (var g = 0; g < layer.Groups; g++)
                    {
                        layer.Im2Col(values, geometry, position, g, rows[i]);
                        accumulators[i][g].Add(rows[i]);
                    }
            }
        }, cancellation);
        return accumulators;
    }

    public static int RowsPerSample(int columns, int samples) =>
        Math.Clamp((int)Math.Ceiling((double)RowsPerColumn * columns / Math.Max(1, samples)), MinRowsPerSample, MaxRowsPerSample);

    /// <summary>Up to <paramref name="count"/> distinct positions of <paramref name="total"/>, ascending, the same for the same seed and sample.</summary>
    public static int[] Positions(int total, int count, int seed, int sample)
    {
        if (total <= count) return Enumerable.Range(0, total).ToArray();
        var random = new Random(unchecked((seed * 1_000_003) ^ (sample * 7_919) ^ 0x5eed));
        var chosen = new HashSet<int>();
        // Floyd's sampling: count distinct values without materialising 0..total.
        for (var j = total - count; j < total; j++)
        {
            var t = random.Next(j + 1);
            if (!chosen.Add(t)) chosen.Add(j);
        }
        var result = chosen.ToArray();
        Array.Sort(result);
        return result;
    }
}
