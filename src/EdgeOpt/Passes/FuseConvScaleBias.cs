using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Folds a constant per-output-channel scale or offset into the Conv that feeds it.
/// Patterns: <c>Mul(Conv(X, W, b?), s)</c> and <c>Add(Conv(X, W, b?), a)</c> (either operand order).
/// Replacements: <c>Conv(X, W·s[m], b·s[m])</c> and <c>Conv(X, W, b + a[m])</c> (a bias is created when absent).
/// Conditions: s/a is constant, of the conv's float type, and broadcasts without changing the conv output's shape
/// while varying at most along the channel axis — a scalar, [1], [C,1,...,1] or [1,C,1,...,1] (rank ≤ the output's);
/// the conv output has no other reader and is not a graph output; W and b are constant; opset ≥ 7 (numpy-style
/// broadcasting in Mul/Add).
/// </summary>
public sealed class FuseConvScaleBias : IGraphPass
{
    public string Name => "fuse-conv-scale-bias";
    public string Description => "Fold a constant per-channel Mul or Add after a Conv into its weights and bias";
    public PassLevel Level => PassLevel.Extended;
    public PassRequirements Requirements { get; } = new() { MinOpset = 7 };

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        return PassResult.Of(NodeRewriter.RewriteEach(model, context, n => n.OpType is "Mul" or "Add" && n.IsOnnxDomain, Match, (_, match, names) => Fuse(match, names)));
    }

    private sealed record ConvAffine(Node Conv, Node Op, double[] PerChannel, Tensor Weight, Tensor? Bias, Value Operand);

    private static ConvAffine? Match(Node op)
    {
        if (op.Inputs.Count != 2 || op.Outputs.Count != 1) return null;
        for (var side = 0; side < 2; side++)
        {
            if (op.Inputs[side] is not { Producer: { OpType: "Conv", IsOnnxDomain: true } conv } y) continue;
            if (GraphQueries.SingleConsumer(y) != op || conv.Graph != op.Graph || conv.Inputs.Count < 2) return null;
            if (!GraphQueries.HasOnlyPlainAttributes(conv)) return null;
            if (GraphQueries.TryGetConstant(conv.Inputs[1]) is not { } weight || weight.Dims.Count < 3) return null;
            if (!FusedWeights.IsSupported(weight.DataType)) return null;
            var bias = conv.Inputs.Count > 2 ? conv.Inputs[2] : null;
            var biasTensor = GraphQueries.TryGetConstant(bias);
            if (bias is not null && (biasTensor is null || biasTensor.DataType != weight.DataType || biasTensor.ElementCount != weight.Dims[0])) return null;
            var operand = op.Inputs[1 - side]!;
            if (GraphQueries.TryGetConstant(operand) is not { } constant || constant.DataType != weight.DataType) return null;
            if (PerChannel(constant, weight.Dims[0], weight.Dims.Count) is not { } perChannel) return null;
            return new ConvAffine(conv, op, perChannel, weight, biasTensor, operand);
        }
        return null;
    }

    /// <summary>The constant's value for each of <paramref name="channels"/> output channels, or null when it would broadcast otherwise.</summary>
    private static double[]? PerChannel(Tensor constant, long channels, int outputRank)
    {
        var dims = constant.Dims;
        if (dims.Count > outputRank) return null;
        var channelAxis = dims.Count - (outputRank - 1); // index of the output's axis 1 in the constant's dims (may be < 0)
        for (var i = 0; i < dims.Count; i++)
            if (dims[i] != 1 && !(i == channelAxis && dims[i] == channels)) return null;
        var values = FusedWeights.Read(constant);
        var result = new double[channels];
        for (var c = 0; c < channels; c++) result[c] = values.Length == 1 ? values[0] : values[c];
        return result;
    }

    private static void Fuse(ConvAffine m, NameGenerator names)
    {
        var (conv, op, perChannel, weight, bias, operand) = m;
        var graph = conv.Graph!;
        var type = weight.DataType;
        var channels = perChannel.Length;
        var oldWeight = conv.Inputs[1]!;
        var oldBias = conv.Inputs.Count > 2 ? conv.Inputs[2] : null;
        var b = bias is null ? null : FusedWeights.Read(bias);
        if (op.OpType == "Mul")
        {
            var w = FusedWeights.Read(weight);
            var perChannelCount = w.Length / channels;
            for (var i = 0; i < w.Length; i++) w[i] *= perChannel[i / perChannelCount];
            conv.SetInput(1, FusedWeights.AddInitializer(graph, names, oldWeight.Name + "_scaled", type, w, weight.Dims.ToArray()));
            if (b is not null)
                for (var c = 0; c < channels; c++) b[c] *= perChannel[c];
        }
        else
        {
            b ??= new double[channels];
            for (var c = 0; c < channels; c++) b[c] += perChannel[c];
        }
        if (b is not null)
        {
            var newBias = FusedWeights.AddInitializer(graph, names, (oldBias?.Name ?? conv.Outputs[0].Name + "_bias") + "_fused", type, b, channels);
            if (conv.Inputs.Count > 2) conv.SetInput(2, newBias);
            else conv.AddInput(newBias);
        }

        // The conv takes over the Mul/Add output, keeping its name, type and graph-output slot.
        var result = op.Outputs[0];
        graph.RemoveNode(op, force: true);
        conv.SetOutput(0, result);
        FusedWeights.ReleaseIfUnused(oldWeight);
        FusedWeights.ReleaseIfUnused(oldBias);
        FusedWeights.ReleaseIfUnused(operand);
    }
}
