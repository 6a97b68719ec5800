using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Folds a BatchNormalization over the feature axis of a [M, N] matrix product into the product's weights.
/// Patterns and replacements, with per-feature <c>f[n] = γ[n]/√(var[n]+ε)</c> and <c>s[n] = β[n] − mean[n]·f[n]</c>:
/// <list type="bullet">
/// <item><c>BN(Gemm(A, B, C))</c> → <c>Gemm(A, B', C')</c> where column n of op(B) is scaled by f[n] and
/// <c>C' = β_gemm·C·f + s</c> (β_gemm becomes 1; C' is [N], or [M, N] when C has M rows).</item>
/// <item><c>BN(MatMul(A, W))</c> with A of rank 2 → <c>Gemm(A, W', s)</c> (W' = W with column n scaled by f[n]).</item>
/// </list>
/// Conditions: BatchNormalization in inference form (see <see cref="BatchNormAffine.TryRead"/>) on the rank-2
/// product, whose only reader it is (not a graph output); B/W, C and the BatchNormalization parameters constant and
/// of one float type; N matches the parameter length; opset ≥ 7 (Gemm's broadcasting C).
/// </summary>
public sealed class FuseGemmBatchNorm : IGraphPass
{
    public string Name => "fuse-gemm-batchnorm";
    public string Description => "Fold BatchNormalization over features into the preceding Gemm or 2-D MatMul";
    public PassLevel Level => PassLevel.Extended;
    private static readonly PassRequirements Needs = new() { MinOpset = 7 };

    public PassRequirements Requirements => Needs;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        return PassResult.Of(NodeRewriter.RewriteEach(model, context, n => n.OpType == "BatchNormalization", Match, (_, match, names) => Fuse(match, names)));
    }

    /// <summary>Whether this pass would fold <paramref name="bn"/> (so other passes leave it alone).</summary>
    internal static bool CanFuse(Model model, Node bn) => Needs.Unmet(model) is null && Match(bn) is not null;

    private sealed record ProductBatchNorm(Node Product, Node BatchNorm, BatchNormAffine Affine, Tensor Weight, bool TransB, Tensor? C);

    private static ProductBatchNorm? Match(Node bn)
    {
        if (bn.Inputs[0] is not { Producer: { OpType: "Gemm" or "MatMul", IsOnnxDomain: true } product } x) return null;
        if (GraphQueries.SingleConsumer(x) != bn || product.Graph != bn.Graph || product.Inputs.Count < 2) return null;
        if (!GraphQueries.HasOnlyPlainAttributes(product)) return null;
        if (GraphQueries.TryGetConstant(product.Inputs[1]) is not { } weight || weight.Dims.Count != 2) return null;
        if (BatchNormAffine.TryRead(bn) is not { } affine || affine.DataType != weight.DataType) return null;

        var isGemm = product.OpType == "Gemm";
        var transB = isGemm && product.Attributes.GetInt("transB", 0) != 0;
        if (weight.Dims[transB ? 0 : 1] != affine.Channels) return null;
        Tensor? c = null;
        if (isGemm)
        {
            var cValue = product.Inputs.Count > 2 ? product.Inputs[2] : null;
            c = GraphQueries.TryGetConstant(cValue);
            if (cValue is not null && (c is null || c.DataType != weight.DataType || !FitsRows(c, affine.Channels))) return null;
        }
        else if (!IsRank2(product.Inputs[0]) && !IsRank2(x) && !IsRank2(bn.Outputs[0]))
        {
            // MatMul keeps A's leading dims; only a rank-2 product has its features on BatchNormalization's axis 1.
            return null;
        }
        return new ProductBatchNorm(product, bn, affine, weight, transB, c);
    }

    private static bool IsRank2(Value? v) => v?.Shape is { Rank: 2 };

    /// <summary>C must broadcast to [M, N] column by column: rank ≤ 2 with its last dim 1 or N.</summary>
    private static bool FitsRows(Tensor c, long n) => c.Dims.Count switch
    {
        0 => true,
        1 or 2 => c.Dims[^1] == 1 || c.Dims[^1] == n,
        _ => false,
    };

    private static void Fuse(ProductBatchNorm m, NameGenerator names)
    {
        var (product, bn, affine, weight, transB, c) = m;
        var graph = product.Graph!;
        var type = weight.DataType;
        var n = affine.Channels;
        var w = FusedWeights.Read(weight);
        var cols = (int)weight.Dims[1];
        for (var i = 0; i < w.Length; i++) w[i] *= affine.Scale[transB ? i / cols : i % cols];

        // C' = β_gemm·C·f + s, broadcast over N columns; rows stay as C has them (1 or M).
        var rows = c is { Dims.Count: 2 } ? (int)c.Dims[0] : 1;
        var cIn = c is null ? null : FusedWeights.Read(c);
        var cColumns = c is { Dims.Count: > 0 } ? (int)c.Dims[^1] : 1;
        var beta = product.OpType == "Gemm" ? product.Attributes.GetFloat("beta", 1f) : 1f;
        var cOut = new double[rows * n];
        for (var r = 0; r < rows; r++)
            for (var j = 0; j < n; j++)
            {
                var given = cIn is null ? 0 : beta * cIn[r * cColumns + (cColumns == 1 ? 0 : j)];
                cOut[r * n + j] = given * affine.Scale[j] + affine.Shift[j];
            }

        var oldWeight = product.Inputs[1]!;
        var oldC = product.Inputs.Count > 2 ? product.Inputs[2] : null;
        var newWeight = FusedWeights.AddInitializer(graph, names, oldWeight.Name + "_fused", type, w, weight.Dims.ToArray());
        var newC = FusedWeights.AddInitializer(graph, names, (oldC?.Name ?? product.Outputs[0].Name + "_bias") + "_fused", type, cOut,
            rows > 1 ? [rows, n] : [n]);

        Node gemm;
        if (product.OpType == "Gemm")
        {
            gemm = product;
            gemm.SetInput(1, newWeight);
            if (gemm.Inputs.Count > 2) gemm.SetInput(2, newC);
            else gemm.AddInput(newC);
            gemm.Attributes.Set(OnnxAttribute.Float("beta", 1f));
        }
        else
        {
            // MatMul(A, W) becomes Gemm(A, W', s) in its place.
            gemm = new Node("Gemm", [product.Inputs[0], newWeight, newC], [names.NewValue(product.Outputs[0].Name + "_gemm")],
                name: names.Fresh(product.Name.Length > 0 ? product.Name + "_gemm" : "Gemm_fused"));
            graph.InsertBefore(product, gemm);
            graph.RemoveNode(product, force: true);
        }
        FusedWeights.ReleaseIfUnused(oldWeight);
        FusedWeights.ReleaseIfUnused(oldC);
        BatchNormAffine.Bypass(bn, gemm);
    }
}
