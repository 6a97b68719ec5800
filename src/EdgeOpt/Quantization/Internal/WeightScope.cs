using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Quantization.Internal;

/// <summary>
/// Where the weight quantizers look and what they clean up, across control flow: every node of the main graph and
/// of every If/Loop/Scan body, and weights that are initializers of any enclosing graph (an outer-scope capture) or
/// outputs of a <c>Constant</c> node (how exporters often store weights inside branches).
/// </summary>
internal static class WeightScope
{
    /// <summary>Every node of <paramref name="graph"/> and of its nested bodies, snapshotted so rewrites may edit the graphs.</summary>
    public static List<Node> AllNodes(Graph graph) => [.. graph.AllNodes()];

    /// <summary>
    /// Whether <paramref name="node"/>'s B input (MatMul, Gemm) is a constant float <c>[K, N]</c> matrix, stored in
    /// any enclosing graph or a Constant node: the only weight the fully connected quantizers take.
    /// </summary>
    public static bool HasMatrixWeight(Node node) =>
        GraphQueries.TryGetConstant(node.Inputs.ElementAtOrDefault(1)) is { DataType: DataType.Float, Dims.Count: 2 };

    /// <summary>Why a MatMul or Gemm without <see cref="HasMatrixWeight"/> stays float.</summary>
    public static string NoMatrixWeightReason(Node node) =>
        $"its B input '{node.Inputs.ElementAtOrDefault(1)?.Name}' is not a constant float [K, N] matrix (activation x activation products stay float)";

    /// <summary>
    /// Drops a replaced float weight once nothing reads it: the initializer from the graph that owns it (the
    /// node's own graph or an enclosing one), or the Constant node that produced it.
    /// </summary>
    public static void RemoveIfUnused(Value weight)
    {
        if (!GraphQueries.IsUnused(weight)) return;
        if (weight.Initializer is not null && !weight.IsGraphInput && weight.Graph is { } owner)
        {
            if (owner.Initializers.TryGet(weight.Name, out var registered) && ReferenceEquals(registered, weight))
                owner.Initializers.Remove(weight);
        }
        else if (weight.Producer is { OpType: "Constant", IsOnnxDomain: true, Graph: { } graph } constant
            && constant.Outputs.All(GraphQueries.IsUnused))
        {
            graph.RemoveNode(constant);
        }
    }

    /// <summary>Removes every weight of <paramref name="inputs"/> that the rewrite left unread.</summary>
    public static void RemoveUnused(IEnumerable<Value?> inputs)
    {
        foreach (var input in inputs.Where(v => v is not null).Distinct())
            RemoveIfUnused(input!);
    }
}
