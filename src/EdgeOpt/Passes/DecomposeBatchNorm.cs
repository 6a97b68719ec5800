using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Rewrites a BatchNormalization that no fusion can absorb as plain arithmetic.
/// Pattern: <c>Y = BatchNormalization(X, γ, β, mean, var)</c>.
/// Replacement: <c>Y = Add(Mul(X, f), s)</c> with <c>f = γ/√(var+ε)</c> and <c>s = β − mean·f</c>, both shaped
/// [C, 1, ..., 1] (rank of X minus one) so they broadcast over axis 1.
/// Conditions: inference form (see <see cref="BatchNormAffine.TryRead"/>); the rank and element type of X are known
/// (shapes are inferred when missing) and the parameters share that type; opset ≥ 7 (numpy-style broadcasting); the
/// producer of X is not a Conv/ConvTranspose/Gemm/MatMul that <see cref="FuseConvBatchNorm"/> or
/// <see cref="FuseGemmBatchNorm"/> would fold it into.
/// </summary>
public sealed class DecomposeBatchNorm : IGraphPass
{
    public string Name => "decompose-batchnorm";
    public string Description => "Replace a BatchNormalization that cannot be fused with Mul + Add by per-channel constants";
    public PassLevel Level => PassLevel.Extended;
    public PassRequirements Requirements { get; } = new() { MinOpset = 7 };

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var shapes = new InferredShapes(model, context, Name);
        return PassResult.Of(NodeRewriter.RewriteEach(
            model, context, n => n.OpType == "BatchNormalization", bn => Match(model, bn, shapes),
            (bn, m, names) => Decompose(bn, m.X, m.Affine, m.Rank, names)));
    }

    private sealed record Decomposable(Value X, BatchNormAffine Affine, int Rank);

    private static Decomposable? Match(Model model, Node bn, InferredShapes shapes)
    {
        if (BatchNormAffine.TryRead(bn) is not { } affine || bn.Inputs[0] is not { } x) return null;
        if (FuseConvBatchNorm.CanFuse(bn) || FuseGemmBatchNorm.CanFuse(model, bn)) return null;
        if ((shapes.Of(x) ?? shapes.Of(bn.Outputs[0]))?.Rank is not { } rank || rank < 2) return null;
        if ((shapes.ElementTypeOf(x) ?? shapes.ElementTypeOf(bn.Outputs[0])) != affine.DataType) return null; // opset 15 allows other parameter types
        return new Decomposable(x, affine, rank);
    }

    private static void Decompose(Node bn, Value x, BatchNormAffine affine, int rank, NameGenerator names)
    {
        var graph = bn.Graph!;
        var dims = new long[rank - 1];
        Array.Fill(dims, 1L);
        dims[0] = affine.Channels;
        var baseName = bn.Name.Length > 0 ? bn.Name : bn.Outputs[0].Name;
        var scale = FusedWeights.AddInitializer(graph, names, baseName + "_scale", affine.DataType, affine.Scale, dims);
        var shift = FusedWeights.AddInitializer(graph, names, baseName + "_shift", affine.DataType, affine.Shift, dims);

        var y = bn.Outputs[0];
        var parameters = bn.Inputs.Skip(1).ToArray();
        var index = graph.IndexOf(bn);
        graph.RemoveNode(bn, force: true);
        var scaled = names.NewValue(baseName + "_scaled", x.Type);
        graph.InsertNode(index, new Node("Mul", [x, scale], [scaled], name: names.Fresh(baseName + "_mul")));
        var add = graph.InsertNode(index + 1, new Node("Add", [scaled, shift], [names.NewValue(y.Name + "_add")], name: names.Fresh(baseName + "_add")));
        add.SetOutput(0, y); // Y keeps its name, type and graph-output slot
        foreach (var p in parameters) FusedWeights.ReleaseIfUnused(p);
    }
}
