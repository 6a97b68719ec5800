using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Quantization.Qdq;

/// <summary>
/// Where a QDQ pair pays off. ORT fuses an elementwise <c>Add</c>/<c>Mul</c> into an integer kernel (QLinearAdd,
/// QLinearMul) only between quantized neighbours, and a <c>MatMul</c> whose output is not re-quantized still fuses (into
/// MatMulIntegerToFloat). Elsewhere a quantized output only adds rounding: in a transformer the residual Adds before
/// LayerNormalization, the attention-mask Add before Softmax and the Adds and Muls of GELU carry outliers that a uint8
/// range crushes (MiniLM's embeddings fall to 0.79 cosine with them quantized, 0.99+ without). So an Add or Mul is
/// quantized only when quantized operators (or constants) feed all its inputs and another one consumes it (looking through scale-sharing
/// operators and foldable Relu/Clip), and a MatMul's output only when a quantized operator consumes it. A constant Add right after a MatMul (its bias)
/// stays float too, so the product is rounded once rather than twice.
/// </summary>
internal static class IntegerRegions
{
    private static readonly IReadOnlySet<string> Elementwise = new HashSet<string>(StringComparer.Ordinal) { "Add", "Mul" };

    /// <summary>Removes from <paramref name="selected"/> every Add/Mul outside an integer region; returns them in graph order.</summary>
    public static List<Node> PruneElementwise(IReadOnlyList<Node> order, HashSet<Node> selected)
    {
        var pruned = new List<Node>();
        bool changed;
        do
        {
            changed = false;
            foreach (var node in order)
            {
                if (!selected.Contains(node) || !Elementwise.Contains(node.OpType)) continue;
                if (!IsBiasOfMatMul(node) && IsFedByQuantized(node, selected) && FeedsQuantized(node, selected)) continue;
                selected.Remove(node);
                pruned.Add(node);
                changed = true;
            }
        } while (changed);
        return [.. order.Where(pruned.Contains)];
    }

    /// <summary>Whether some consumer of <paramref name="node"/>'s output, through scale-sharing ops and Relu/Clip, is quantized.</summary>
    public static bool FeedsQuantized(Node node, HashSet<Node> selected)
    {
        var pending = new Stack<Value>([node.Outputs[0]]);
        var seen = new HashSet<Value>();
        while (pending.TryPop(out var value))
        {
            if (!seen.Add(value)) continue;
            foreach (var use in value.Uses)
            {
                var consumer = use.Node;
                if (selected.Contains(consumer) && (QdqOperators.Compute.Contains(consumer.OpType) || QdqOperators.RangeRequired.Contains(consumer.OpType)))
                    return true;
                if ((selected.Contains(consumer) && QdqOperators.ShareInputScale.Contains(consumer.OpType) && use.Index == 0)
                    || (consumer is { OpType: "Relu" or "Clip", IsOnnxDomain: true } && use.Index == 0))
                    pending.Push(consumer.Outputs[0]);
            }
        }
        return false;
    }

    /// <summary>
    /// MatMul → Add(constant): MatMulIntegerToFloat then a float Add rounds once, where QLinearMatMul → QLinearAdd rounds
    /// the product and again the sum (measured on MiniLM: 0.9914 → 0.9923 mean cosine).
    /// </summary>
    private static bool IsBiasOfMatMul(Node node) =>
        node.OpType == "Add" && node.Inputs.Count == 2
        && node.Inputs.Count(GraphQueries.IsConstant) == 1
        && node.Inputs.FirstOrDefault(i => !GraphQueries.IsConstant(i)) is { Producer: { OpType: "MatMul", IsOnnxDomain: true } } product
        && GraphQueries.HasSingleConsumer(product);

    private static bool IsFedByQuantized(Node node, HashSet<Node> selected) =>
        node.Inputs.All(input => input is null || GraphQueries.IsConstant(input) || HasQuantizedSource(input, selected));

    /// <summary>A graph input (quantized where a quantized op reads it) or a quantized op, through scale-sharing ops and Relu/Clip.</summary>
    private static bool HasQuantizedSource(Value value, HashSet<Node> selected)
    {
        for (var steps = 0; steps < 64; steps++)
        {
            if (value.Producer is not { } producer) return value.IsGraphInput;
            if (selected.Contains(producer) && QdqOperators.Compute.Contains(producer.OpType)) return true;
            var passesThrough = (selected.Contains(producer) && QdqOperators.ShareInputScale.Contains(producer.OpType))
                || producer is { OpType: "Relu" or "Clip", IsOnnxDomain: true };
            if (!passesThrough || producer.Inputs.ElementAtOrDefault(0) is not { } input) return false;
            value = input;
        }
        return false;
    }
}
