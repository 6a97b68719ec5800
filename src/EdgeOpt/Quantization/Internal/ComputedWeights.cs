using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;
using EdgeOpt.Runtime;

namespace EdgeOpt.Quantization.Internal;

/// <summary>
/// Weights that exporters compute from constants instead of storing them: PyTorch's LSTM export, for one, reorders
/// the gates with <c>Slice → Concat → Unsqueeze</c> over the stored matrices, and inside If branches constant folding
/// leaves that chain alone (folding one Slice at a time would duplicate the shared matrix). Such a chain of pure
/// data-movement and arithmetic operators over constants is evaluated here in ONNX Runtime, so the quantizer sees the
/// weight it computes; after the rewrite the chain is dead and removed with the constants it read.
/// </summary>
internal sealed class ComputedWeights(Model model) : IDisposable
{
    private const int MaxDepth = 16;

    // Deterministic operators that only move or combine constant data.
    private static readonly HashSet<string> Evaluable =
    [
        "Identity", "Slice", "Concat", "Unsqueeze", "Squeeze", "Reshape", "Transpose", "Flatten", "Gather", "Split",
        "Cast", "Mul", "Add", "Sub", "Div", "Neg", "Expand", "Tile",
    ];

    private readonly NodeEvaluator _evaluator = new(model);
    private readonly Dictionary<Value, Tensor?> _cache = [];

    /// <summary>The constant behind <paramref name="value"/>, stored or computed from constants; null if it depends on data.</summary>
    public Tensor? TryGet(Value? value) => value is null ? null : GraphQueries.TryGetConstant(value) ?? Evaluate(value, 0);

    private Tensor? Evaluate(Value value, int depth)
    {
        if (_cache.TryGetValue(value, out var known)) return known;
        Tensor? result = null;
        if (depth < MaxDepth && value.Producer is { IsOnnxDomain: true } node && Evaluable.Contains(node.OpType) && !node.Subgraphs.Any())
        {
            var inputs = new Tensor?[node.Inputs.Count];
            var complete = true;
            for (var i = 0; i < inputs.Length && complete; i++)
                if (node.Inputs[i] is { } input)
                    complete = (inputs[i] = GraphQueries.TryGetConstant(input) ?? Evaluate(input, depth + 1)) is not null;
            if (complete && _evaluator.TryEvaluate(node, inputs, out _) is { } outputs)
                result = outputs[value.OutputIndex];
        }
        _cache[value] = result;
        return result;
    }

    /// <summary>Removes <paramref name="value"/>'s producer chain once nothing reads it, and the constants it read.</summary>
    public static void RemoveIfUnused(Value value)
    {
        if (!GraphQueries.IsUnused(value)) return;
        if (value.Producer is { IsOnnxDomain: true } node && Evaluable.Contains(node.OpType) && node.Graph is { } graph
            && node.Outputs.All(GraphQueries.IsUnused))
        {
            var inputs = node.Inputs.Where(v => v is not null).Select(v => v!).Distinct().ToList();
            graph.RemoveNode(node);
            foreach (var input in inputs) RemoveIfUnused(input);
            return;
        }
        WeightScope.RemoveIfUnused(value);
    }

    public void Dispose() => _evaluator.Dispose();
}
