using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Quantization.Calibration;

/// <summary>
/// Cross-layer range equalization (Nagel et al. 2019, "Data-Free Quantization through Weight Equalization and Bias
/// Correction"): for Conv → (Relu | LeakyRelu)? → Conv, output channel i of the first Conv is divided by s_i
/// (weights and bias) and input channel i of the second multiplied by s_i, with s_i = √(r1_i · r2_i) / r2_i where
/// r1_i, r2_i are the largest weight magnitudes touching channel i in each. Both ranges become √(r1_i · r2_i), so
/// per-tensor and per-channel int8 weights waste fewer levels, which matters most after depthwise convolutions whose
/// channels differ by orders of magnitude. Exact in real arithmetic because the activations between are positively
/// homogeneous (relu(x / s) = relu(x) / s for s &gt; 0); Clip, Sigmoid and the like are not, so pairs across them are
/// left alone. Chains (a Conv that is the second of one pair and the first of the next) are balanced by repeating
/// the sweep until the scales settle.
/// </summary>
internal static class CrossLayerEqualization
{
    private const int MaxSweeps = 20;
    private const double Converged = 1e-4;

    /// <summary>Equalizes every eligible pair of <paramref name="model"/>'s main graph in place; returns the pairs as "first → second".</summary>
    public static IReadOnlyList<string> Apply(Model model)
    {
        var pairs = FindPairs(model.Graph);
        if (pairs.Count == 0) return [];
        var weights = new Dictionary<Value, double[]>();
        double[] Read(Value v) => weights.TryGetValue(v, out var w) ? w : weights[v] = Array.ConvertAll(v.Initializer!.ToSingleArray(), x => (double)x);

        for (var sweep = 0; sweep < MaxSweeps; sweep++)
        {
            var largestChange = 0.0;
            foreach (var pair in pairs)
            {
                var w1 = Read(pair.FirstWeight);
                var w2 = Read(pair.SecondWeight);
                var bias = pair.FirstBias is { } b ? Read(b) : null;
                var r1 = OutputChannelRanges(w1, pair.Channels);
                var r2 = pair.InputChannelRanges(w2);
                for (var c = 0; c < pair.Channels; c++)
                {
                    if (!(r1[c] > 0 && r2[c] > 0)) continue;
                    var s = Math.Sqrt(r1[c] * r2[c]) / r2[c];
                    largestChange = Math.Max(largestChange, Math.Abs(Math.Log(s)));
                    pair.ScaleOutputChannel(w1, bias, c, 1 / s);
                    pair.ScaleInputChannel(w2, c, s);
                }
            }
            if (largestChange < Converged) break;
        }

        // New tensors, never in-place writes: payloads are shared with clones of the model.
        foreach (var (value, data) in weights)
        {
            var old = value.Initializer!;
            value.Initializer = Tensor.Create<float>(old.Name, Array.ConvertAll(data, x => (float)x), [.. old.Dims]);
        }
        return pairs.Select(p => $"{p.First.DisplayName} → {p.Second.DisplayName}").ToList();
    }

    private static double[] OutputChannelRanges(double[] weight, int channels)
    {
        var inner = weight.Length / channels;
        var ranges = new double[channels];
        for (var i = 0; i < weight.Length; i++) ranges[i / inner] = Math.Max(ranges[i / inner], Math.Abs(weight[i]));
        return ranges;
    }

    private static List<Pair> FindPairs(Graph graph)
    {
        var pairs = new List<Pair>();
        var claimedBiases = new HashSet<Value>();
        foreach (var first in graph.Nodes)
        {
            if (!IsPlainConv(first, out var w1) || first.Inputs.ElementAtOrDefault(2) is { } b1 && !IsOwnedFloat(b1, first)) continue;
            var between = first.Outputs[0];
            if (GraphQueries.SingleConsumer(between) is not { } next) continue;
            if (next is { OpType: "Relu" or "LeakyRelu", IsOnnxDomain: true })
            {
                between = next.Outputs[0];
                next = GraphQueries.SingleConsumer(between);
            }
            if (next is null || !IsPlainConv(next, out var w2) || !ReferenceEquals(next.Inputs[0], between)) continue;
            var channels = (int)w1.Initializer!.Dims[0];
            var group = (int)next.Attributes.GetInt("group", 1);
            var perGroup = (int)w2.Initializer!.Dims[1];
            if (channels != perGroup * group || channels % group != 0) continue;
            var bias = first.Inputs.ElementAtOrDefault(2);
            if (bias is not null && (bias.Initializer!.ElementCount != channels || !claimedBiases.Add(bias))) continue;
            pairs.Add(new Pair(first, next, w1, w2, bias, channels, group, perGroup));
        }
        return pairs;
    }

    /// <summary>An ONNX Conv with a float initializer weight that only it reads (rank 3 or more).</summary>
    private static bool IsPlainConv(Node node, out Value weight)
    {
        weight = null!;
        if (node is not { OpType: "Conv", IsOnnxDomain: true } || node.Inputs.ElementAtOrDefault(1) is not { } w) return false;
        weight = w;
        return IsOwnedFloat(w, node) && w.Initializer!.Dims.Count >= 3;
    }

    private static bool IsOwnedFloat(Value value, Node reader) =>
        value.Initializer is { DataType: DataType.Float } && !value.IsGraphInput && !value.IsGraphOutput && value.Uses.All(u => ReferenceEquals(u.Node, reader));

    /// <summary>
    /// One equalizable pair. The second Conv's weight is [C_out, C_in / group, k...]: input channel i lives in group
    /// i / perGroup at column i % perGroup, and only that group's output rows read it.
    /// </summary>
    private sealed record Pair(Node First, Node Second, Value FirstWeight, Value SecondWeight, Value? FirstBias, int Channels, int Group, int PerGroup)
    {
        public double[] InputChannelRanges(double[] w2)
        {
            var ranges = new double[Channels];
            ForInputChannel(w2, (c, i) => ranges[c] = Math.Max(ranges[c], Math.Abs(w2[i])));
            return ranges;
        }

        public void ScaleInputChannel(double[] w2, int channel, double factor)
        {
            var outputs = (int)SecondWeight.Initializer!.Dims[0];
            var kernel = w2.Length / (outputs * PerGroup);
            var outputsPerGroup = outputs / Group;
            var group = channel / PerGroup;
            var column = channel % PerGroup;
            for (var o = group * outputsPerGroup; o < (group + 1) * outputsPerGroup; o++)
            {
                var start = ((o * PerGroup) + column) * kernel;
                for (var k = 0; k < kernel; k++) w2[start + k] *= factor;
            }
        }

        public void ScaleOutputChannel(double[] w1, double[]? bias, int channel, double factor)
        {
            var inner = w1.Length / Channels;
            for (var k = channel * inner; k < (channel + 1) * inner; k++) w1[k] *= factor;
            if (bias is not null) bias[channel] *= factor;
        }

        private void ForInputChannel(double[] w2, Action<int, int> visit)
        {
            var outputs = (int)SecondWeight.Initializer!.Dims[0];
            var kernel = w2.Length / (outputs * PerGroup);
            var outputsPerGroup = outputs / Group;
            for (var o = 0; o < outputs; o++)
            {
                var group = o / outputsPerGroup;
                for (var column = 0; column < PerGroup; column++)
                {
                    var channel = (group * PerGroup) + column;
                    var start = ((o * PerGroup) + column) * kernel;
                    for (var k = 0; k < kernel; k++) visit(channel, start + k);
                }
            }
        }
    }
}
