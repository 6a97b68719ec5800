using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Quantization.Internal;

/// <summary>
/// The Conv half of <see cref="DynamicQuantizer"/>: a float <c>Conv(X, W, B)</c> with constant W (and B) becomes
/// <code>
/// DynamicQuantizeLinear(X) → x_q, x_scale, x_zp
/// ConvInteger(x_q, W_int8, x_zp, 0) → Cast(float) → Mul(x_scale × w_scale) [→ Add(B)]
/// </code>
/// as ORT's python <c>quantize_dynamic</c> spells it (there is no fused dynamic Conv kernel). ORT's CPU ConvInteger
/// takes uint8 activations with int8 or uint8 weights but only a per-tensor weight zero point, so weights are
/// symmetric int8 (zero point 0, [-127, 127]); per-channel then needs no per-channel zero point, only a
/// <c>[1, M, 1, 1]</c> scale vector that multiplies the run-time activation scale. Inputs shared by several Convs
/// are quantized once.
/// </summary>
internal static class DynamicConv
{
    /// <summary>DynamicQuantizeLinear's first opset.</summary>
    private const long MinOpset = 11;

    /// <summary>A Conv that passed every check, with its quantized weight ready to insert.</summary>
    public sealed record Plan(Node Node, Value Weight, long[] WeightDims, sbyte[] Weights, float[] Scales, float[]? Bias, long FloatBytes)
    {
        /// <summary>Output channels (M).</summary>
        public long Channels => WeightDims[0];
    }

    /// <summary>The run-time quantized form of one float activation: DynamicQuantizeLinear's three outputs.</summary>
    private sealed record QuantizedActivation(Value Data, Value Scale, Value ZeroPoint);

    /// <summary>Whether <paramref name="node"/> is a Conv this quantizer should consider (constant float weight).</summary>
    public static bool IsCandidate(Node node) =>
        node.OpType == "Conv" && GraphQueries.TryGetConstant(node.Inputs.ElementAtOrDefault(1)) is { DataType: DataType.Float, Dims.Count: >= 3 };

    /// <summary>Checks <paramref name="node"/> and quantizes its weight; null with a reason when it stays in float.</summary>
    public static Plan? TryPlan(Model model, Node node, bool perChannel, out string reason)
    {
        reason = "";
        if ((model.GetOpset("") ?? 0) < MinOpset)
        {
            reason = $"Conv needs opset {MinOpset} or later for DynamicQuantizeLinear (the model imports opset {model.GetOpset("") ?? 0})";
            return null;
        }
        var weightValue = node.Inputs[1]!;
        var tensor = GraphQueries.TryGetConstant(weightValue)!;
        var dims = tensor.Dims.ToArray();
        var channels = checked((int)dims[0]);
        float[]? bias = null;
        if (node.Inputs.ElementAtOrDefault(2) is { } b)
        {
            if (GraphQueries.TryGetConstant(b) is not { DataType: DataType.Float } bt || bt.ElementCount != channels)
            {
                reason = $"its bias '{b.Name}' is not a constant float vector of {channels} elements";
                return null;
            }
            bias = bt.ToSingleArray();
        }

        var w = tensor.ToSingleArray();
        var q = new sbyte[w.Length];
        var scales = new float[perChannel ? channels : 1];
        if (perChannel)
        {
            // W is [M, C/group, k...]: each output channel's filter is one contiguous block.
            var block = w.Length / Math.Max(channels, 1);
            for (var m = 0; m < channels; m++)
            {
                var range = new Range(m * block, (m + 1) * block);
                scales[m] = QuantMath.SymmetricScale(w.AsSpan(range), 127);
                QuantMath.QuantizeInt8Symmetric(w.AsSpan(range), scales[m], q.AsSpan(range));
            }
        }
        else
        {
            scales[0] = QuantMath.SymmetricScale(w, 127);
            QuantMath.QuantizeInt8Symmetric(w, scales[0], q);
        }
        var floatBytes = ((long)w.Length + (bias?.Length ?? 0)) * sizeof(float);
        return new Plan(node, weightValue, dims, q, scales, bias, floatBytes);
    }

    /// <summary>Rewrites the graph for every plan, in order, sharing the quantized form of common inputs.</summary>
    public sealed class Rewriter(NameGenerator names)
    {
        // Keyed by graph too: a quantized activation made in one If branch is not visible in the other.
        private readonly Dictionary<(Value, Graph), QuantizedActivation> _activations = [];

        public QuantizedWeight Apply(Plan plan)
        {
            var node = plan.Node;
            var graph = node.Graph!;
            var baseName = plan.Weight.Name;
            var display = node.Name.Length > 0 ? node.Name : node.OpType;
            var x = Quantize(node.Inputs[0]!, node);

            var weight = GraphQueries.AddInitializer(graph, names, baseName + "_quantized", Tensor.Create<sbyte>("w", plan.Weights, plan.WeightDims));
            var weightZeroPoint = GraphQueries.AddInitializer(graph, names, baseName + "_zero_point", Tensor.Scalar<sbyte>("z", 0));
            var accumulator = names.NewValue(display + "_int32");
            var convInteger = new Node("ConvInteger", [x.Data, weight, x.ZeroPoint, weightZeroPoint], [accumulator], name: names.Fresh(display + "_conv_integer"));
            foreach (var attribute in node.Attributes) convInteger.Attributes.Set(attribute);
            graph.InsertBefore(node, convInteger);

            var asFloat = Insert(node, "Cast", [accumulator], display + "_float");
            asFloat.Producer!.Attributes.Set(OnnxAttribute.Int("to", (long)DataType.Float));
            // Per-channel scales broadcast over [N, M, spatial...] as [1, M, 1, ...].
            var broadcast = BroadcastShape(plan);
            var weightScale = GraphQueries.AddInitializer(graph, names, baseName + "_scale",
                plan.Scales.Length == 1 ? Tensor.Scalar("s", plan.Scales[0]) : Tensor.Create<float>("s", plan.Scales, broadcast));
            var scale = Insert(node, "Mul", [x.Scale, weightScale], display + "_scale");
            var result = Insert(node, "Mul", [asFloat, scale], display + "_rescaled", plan.Bias is null ? node.Outputs[0].Type : null);
            if (plan.Bias is not null)
            {
                var bias = GraphQueries.AddInitializer(graph, names, baseName + "_bias", Tensor.Create<float>("b", plan.Bias, broadcast));
                result = Insert(node, "Add", [result, bias], display + "_biased", node.Outputs[0].Type);
            }

            var replaced = node.Inputs.Where(v => v is not null).Select(v => v!).ToList();
            GraphQueries.RemoveNodeAndRewire(node, result);
            WeightScope.RemoveUnused(replaced);

            var perFilter = plan.Weights.Length / Math.Max(plan.Channels, 1);
            var quantizedBytes = plan.Weights.Length + sizeof(sbyte) + ((long)plan.Scales.Length + (plan.Bias?.Length ?? 0)) * sizeof(float);
            return new QuantizedWeight(NodeSelection.NameOf(node), node.OpType, baseName, perFilter, plan.Channels, plan.FloatBytes, quantizedBytes);
        }

        /// <summary>The quantized form of <paramref name="input"/>, made before <paramref name="firstUse"/> the first time it is asked for.</summary>
        private QuantizedActivation Quantize(Value input, Node firstUse)
        {
            var graph = firstUse.Graph!;
            if (_activations.TryGetValue((input, graph), out var existing)) return existing;
            var hint = input.Name.Length > 0 ? input.Name : "input";
            var quantized = new QuantizedActivation(names.NewValue(hint + "_quantized"), names.NewValue(hint + "_scale"), names.NewValue(hint + "_zero_point"));
            graph.InsertBefore(firstUse, new Node("DynamicQuantizeLinear", [input], [quantized.Data, quantized.Scale, quantized.ZeroPoint],
                name: names.Fresh(hint + "_dynamic_quantize")));
            _activations.Add((input, graph), quantized);
            return quantized;
        }

        private Value Insert(Node before, string opType, Value?[] inputs, string hint, OnnxType? type = null)
        {
            var output = names.NewValue(hint, type);
            before.Graph!.InsertBefore(before, new Node(opType, inputs, [output], name: names.Fresh(hint)));
            return output;
        }

        private static long[] BroadcastShape(Plan plan)
        {
            var shape = new long[plan.WeightDims.Length];
            Array.Fill(shape, 1L);
            shape[1] = plan.Channels;
            return shape;
        }
    }
}
