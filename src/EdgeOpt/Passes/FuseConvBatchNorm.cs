using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Folds a BatchNormalization into the Conv or ConvTranspose that feeds it.
/// Pattern: <c>Y = BatchNormalization(Conv(X, W, b?), γ, β, mean, var)</c>.
/// Replacement: <c>Y = Conv(X, W', b')</c> with, per output channel m, <c>f[m] = γ[m]/√(var[m]+ε)</c>,
/// <c>W'[m] = W[m]·f[m]</c> and <c>b'[m] = (b[m] − mean[m])·f[m] + β[m]</c> (b = 0 when absent; the bias is created).
/// ConvTranspose weights are laid out [Cin, Cout/group, k...]: output channel m = g·(Cout/group) + j scales
/// <c>W[c, j]</c> for every input channel c of group g.
/// Conditions: the BatchNormalization is in inference form (see <see cref="BatchNormAffine.TryRead"/>); the conv
/// output has no other reader and is not a graph output; weights, bias and BatchNormalization parameters are
/// constants of one float type (float, double, float16) with one parameter per output channel.
/// </summary>
public sealed class FuseConvBatchNorm : IGraphPass
{
    public string Name => "fuse-conv-batchnorm";
    public string Description => "Fold BatchNormalization into the weights and bias of the preceding Conv/ConvTranspose";
    public PassLevel Level => PassLevel.Extended;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        return PassResult.Of(NodeRewriter.RewriteEach(model, context, n => n.OpType == "BatchNormalization", Match, (_, match, names) => Fuse(match, names)));
    }

    /// <summary>Whether this pass would fold <paramref name="bn"/> (so other passes leave it alone).</summary>
    internal static bool CanFuse(Node bn) => Match(bn) is not null;

    private sealed record ConvBatchNorm(Node Conv, Node BatchNorm, BatchNormAffine Affine, Tensor Weight, Tensor? Bias);

    private static ConvBatchNorm? Match(Node bn)
    {
        if (bn.Inputs[0] is not { Producer: { OpType: "Conv" or "ConvTranspose", IsOnnxDomain: true } conv } x) return null;
        if (GraphQueries.SingleConsumer(x) != bn || x.OutputIndex != 0 || conv.Graph != bn.Graph || conv.Inputs.Count < 2) return null;
        if (!GraphQueries.HasOnlyPlainAttributes(conv)) return null;
        if (GraphQueries.TryGetConstant(conv.Inputs[1]) is not { } weight || weight.Dims.Count < 3) return null;
        var bias = conv.Inputs.Count > 2 ? conv.Inputs[2] : null;
        var biasTensor = GraphQueries.TryGetConstant(bias);
        if (bias is not null && biasTensor is null) return null;
        if (BatchNormAffine.TryRead(bn) is not { } affine || affine.DataType != weight.DataType) return null;
        if (OutputChannels(conv, weight) != affine.Channels) return null;
        if (biasTensor is not null && (biasTensor.DataType != weight.DataType || biasTensor.ElementCount != affine.Channels)) return null;
        return new ConvBatchNorm(conv, bn, affine, weight, biasTensor);
    }

    /// <summary>Conv: W is [M, C/g, k...]; ConvTranspose: W is [C, M/g, k...]; null when the layout does not fit.</summary>
    private static long? OutputChannels(Node conv, Tensor weight)
    {
        if (conv.OpType == "Conv") return weight.Dims[0];
        var group = conv.Attributes.GetInt("group", 1);
        return group >= 1 && weight.Dims[0] % group == 0 ? weight.Dims[1] * group : null;
    }

    private static void Fuse(ConvBatchNorm m, NameGenerator names)
    {
        var (conv, bn, affine, weight, bias) = m;
        var graph = conv.Graph!;
        var w = FusedWeights.Read(weight);
        var channels = affine.Channels;
        var dims = weight.Dims.ToArray();
        var inner = (int)(w.Length / (dims[0] * dims[1]));
        if (conv.OpType == "Conv")
        {
            var perChannel = w.Length / channels;
            for (var i = 0; i < w.Length; i++) w[i] *= affine.Scale[i / perChannel];
        }
        else
        {
            // [Cin, Cout/g, k...]: input channel c belongs to group c / (Cin/g); its j-th filter makes output g·(Cout/g)+j.
            var group = (int)conv.Attributes.GetInt("group", 1);
            var inPerGroup = dims[0] / group;
            var outPerGroup = dims[1];
            for (var c = 0; c < dims[0]; c++)
                for (var j = 0; j < outPerGroup; j++)
                {
                    var f = affine.Scale[c / inPerGroup * outPerGroup + j];
                    var start = (int)((c * outPerGroup + j) * inner);
                    for (var k = start; k < start + inner; k++) w[k] *= f;
                }
        }
        var b = bias is null ? new double[channels] : FusedWeights.Read(bias);
        for (var c = 0; c < channels; c++) b[c] = b[c] * affine.Scale[c] + affine.Shift[c];

        var oldWeight = conv.Inputs[1];
        var oldBias = conv.Inputs.Count > 2 ? conv.Inputs[2] : null;
        conv.SetInput(1, FusedWeights.AddInitializer(graph, names, oldWeight!.Name + "_fused", weight.DataType, w, dims));
        var newBias = FusedWeights.AddInitializer(graph, names, (oldBias?.Name ?? conv.Outputs[0].Name + "_bias") + "_fused", weight.DataType, b, channels);
        if (conv.Inputs.Count > 2) conv.SetInput(2, newBias);
        else conv.AddInput(newBias);
        FusedWeights.ReleaseIfUnused(oldWeight);
        FusedWeights.ReleaseIfUnused(oldBias);
        BatchNormAffine.Bypass(bn, conv);
    }
}
