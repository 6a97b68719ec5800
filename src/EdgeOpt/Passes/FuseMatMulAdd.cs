using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Turns a 2-D matrix product plus bias into one Gemm.
/// Pattern: <c>Add(MatMul(A, B), C)</c> (either Add operand order). Replacement: <c>Gemm(A, B, C)</c>.
/// Conditions: A and B are known (declared or inferred) to be rank 2 ([M, K] and [K, N]; Gemm takes nothing else); C has a known shape
/// that Gemm's unidirectional broadcasting accepts and that does not widen the product — a scalar, [N], [1, N],
/// [M, 1] or [M, N] (dims equal as numbers or as the same symbol, or 1); the product has no other reader and is
/// not a graph output; float, double or float16 elements; opset ≥ 7 (Gemm with broadcasting C).
/// </summary>
public sealed class FuseMatMulAdd : IGraphPass
{
    public string Name => "fuse-matmul-add";
    public string Description => "Replace a 2-D MatMul followed by a bias Add with one Gemm";
    public PassLevel Level => PassLevel.Extended;
    public PassRequirements Requirements { get; } = new() { MinOpset = 7 };

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var shapes = new InferredShapes(model, context, Name);
        return PassResult.Of(NodeRewriter.RewriteEach(
            model, context, n => n is { OpType: "Add", IsOnnxDomain: true }, add => Match(add, shapes), (add, matmul, names) => Fuse(matmul, add, names)));
    }

    private static Node? Match(Node add, InferredShapes shapes)
    {
        if (add.Inputs.Count != 2 || add.Outputs.Count != 1) return null;
        for (var side = 0; side < 2; side++)
        {
            if (add.Inputs[side] is not { Producer: { OpType: "MatMul", IsOnnxDomain: true } matmul } product) continue;
            if (GraphQueries.SingleConsumer(product) != add || matmul.Graph != add.Graph) continue;
            if (matmul.Inputs is not [{ } va, { } vb] || add.Inputs[1 - side] is not { } bias) continue;
            if (shapes.Of(va) is not { Rank: 2 } a || shapes.Of(vb) is not { Rank: 2 } b || shapes.Of(bias) is not { } c) continue;
            if (shapes.ElementTypeOf(va) is not { } type || !FusedWeights.IsSupported(type) || shapes.ElementTypeOf(bias) != type) continue;
            if (Broadcasts(c, m: a[0], n: b[1])) return matmul;
        }
        return null;
    }

    /// <summary>Whether C broadcasts to [M, N] (Gemm's rule) without widening it.</summary>
    private static bool Broadcasts(TensorShape c, Dim m, Dim n) => c.Rank switch
    {
        0 => true,
        1 => Fits(c[0], n),
        2 => Fits(c[0], m) && Fits(c[1], n),
        _ => false,
    };

    private static bool Fits(Dim d, Dim target) =>
        d.Value == 1 || (d.IsKnown && d.Value == target.Value) || (d.IsSymbolic && d.Symbol == target.Symbol);

    private static void Fuse(Node matmul, Node add, NameGenerator names)
    {
        var graph = add.Graph!;
        var product = matmul.Outputs[0];
        var bias = add.Inputs[0] == product ? add.Inputs[1] : add.Inputs[0];
        var result = add.Outputs[0];
        // The Gemm sits where the Add was (the bias may be computed after the MatMul) and takes over its output.
        var gemm = new Node("Gemm", [matmul.Inputs[0], matmul.Inputs[1], bias], [names.NewValue(result.Name + "_gemm")],
            name: names.Fresh(matmul.Name.Length > 0 ? matmul.Name + "_gemm" : "Gemm_fused"));
        graph.InsertBefore(add, gemm);
        graph.RemoveNode(add, force: true);
        gemm.SetOutput(0, result);
        graph.RemoveNode(matmul);
    }
}
