using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Rule: a node that provably returns its first input unchanged is bypassed (readers of its output read the input).
/// Recognised no-ops (default domain, after static shape inference):
/// <list type="bullet">
/// <item>Reshape to a constant shape equal to the input's (0 copies a dim unless <c>allowzero</c>; one -1 allowed when every other dim matches);</item>
/// <item>Transpose whose <c>perm</c> is the identity (or absent on rank ≤ 1);</item>
/// <item>Cast / CastLike to the input's own element type;</item>
/// <item>Pad whose pads (attribute before opset 11, constant input after) are all zero;</item>
/// <item>Slice with step 1 starting at 0 and ending at or past the end on every sliced axis;</item>
/// <item>Expand to a constant shape that broadcasts to the input's own shape (no new axes, only 1s or equal dims);</item>
/// <item>Unsqueeze(Squeeze(x, a), a) and Squeeze(Unsqueeze(x, a), a) with explicit, equal axes;</item>
/// <item>Concat of a single input.</item>
/// </list>
/// Anything not provable from constants and known dims is left alone. Graph-output names are kept as in
/// <see cref="EliminateIdentity"/>.
/// </summary>
public sealed class EliminateNoOps : IGraphPass
{
    /// <summary>An end at or past this is "to the end" whatever the dim is (exporters write INT_MAX or INT64_MAX).</summary>
    private const long EndOfAxis = int.MaxValue;

    public string Name => "eliminate-noops";
    public string Description => "Removes no-op Reshape, Transpose, Cast, Pad, Slice, Expand, Squeeze/Unsqueeze pairs and single-input Concat.";
    public PassLevel Level => PassLevel.Basic;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ShapeInference.Infer(model);
        var opset = model.GetOpset() ?? 0;
        var removed = 0;
        foreach (var graph in model.Graph.AllGraphs().ToList())
        {
            foreach (var node in graph.Nodes.ToList())
            {
                if (node.Graph is null || !node.IsOnnxDomain || node.Inputs.Count == 0 || node.Inputs[0] is not { } x) continue;
                var source = node.OpType switch
                {
                    "Reshape" => IsNoOpReshape(node, x) ? x : null,
                    "Transpose" => IsIdentityTranspose(node, x) ? x : null,
                    "Cast" => x.ElementType is { } t && t != DataType.Undefined && node.Attributes.GetInt("to", -1) == (long)t ? x : null,
                    "CastLike" => x.ElementType is { } s && s != DataType.Undefined && node.Inputs.Count > 1 && node.Inputs[1]?.ElementType == s ? x : null,
                    "Pad" => IsZeroPad(node, opset) ? x : null,
                    "Slice" => IsFullSlice(node, x, opset) ? x : null,
                    "Expand" => IsNoOpExpand(node, x) ? x : null,
                    "Squeeze" or "Unsqueeze" => InverseSqueezePair(node, x, opset),
                    "Concat" => node.Inputs.Count == 1 ? x : null,
                    _ => null,
                };
                if (source is null || !GraphQueries.TryRemoveNodeAndRewire(node, source)) continue;
                removed++;
                // The inner half of a Squeeze/Unsqueeze pair is dead now unless something else reads it.
                if (x.Producer is { } inner && !ReferenceEquals(source, x) && inner.Outputs.All(GraphQueries.IsUnused))
                    inner.Graph?.RemoveNode(inner);
            }
        }
        return PassResult.Of(removed);
    }

    private static bool IsNoOpReshape(Node node, Value x)
    {
        if (x.Shape is not { } inShape || node.Inputs.Count < 2 || GraphQueries.TryGetConstant(node.Inputs[1]) is not { DataType: DataType.Int64 } shapeTensor)
            return false;
        var target = shapeTensor.ToInt64Array();
        if (target.Length != inShape.Rank) return false;
        var allowZero = node.Attributes.GetInt("allowzero", 0) != 0;
        var inferred = 0;
        for (var i = 0; i < target.Length; i++)
        {
            var dim = inShape[i].Value;
            if (target[i] == 0 && !allowZero) continue;
            if (target[i] == -1)
            {
                // With every other dim equal, -1 resolves to this dim, unless a zero-sized dim makes it ambiguous.
                if (++inferred > 1 || inShape.Any(d => d.Value == 0)) return false;
                continue;
            }
            if (dim != target[i]) return false;
        }
        return true;
    }

    private static bool IsIdentityTranspose(Node node, Value x)
    {
        if (node.Attributes.GetInts("perm") is { } perm)
            return perm.Select((p, i) => p == i).All(b => b);
        // Without perm the axes are reversed, which is the identity only for rank 0 and 1.
        return x.Shape is { Rank: <= 1 };
    }

    private static bool IsZeroPad(Node node, long opset)
    {
        if (opset < 11 || node.Attributes.Contains("pads"))
            return node.Attributes.GetInts("pads") is { } pads && pads.All(p => p == 0);
        return node.Inputs.Count > 1 && GraphQueries.TryGetConstant(node.Inputs[1]) is { DataType: DataType.Int64 } t && t.ToInt64Array().All(p => p == 0);
    }

    private static bool IsFullSlice(Node node, Value x, long opset)
    {
        long[]? starts, ends, axes = null, steps = null;
        if (opset < 10)
        {
            starts = node.Attributes.GetInts("starts");
            ends = node.Attributes.GetInts("ends");
            axes = node.Attributes.GetInts("axes");
        }
        else
        {
            starts = ConstantInts(node, 1);
            ends = ConstantInts(node, 2);
            if (node.Inputs.Count > 3 && node.Inputs[3] is not null && (axes = ConstantInts(node, 3)) is null) return false;
            if (node.Inputs.Count > 4 && node.Inputs[4] is not null && (steps = ConstantInts(node, 4)) is null) return false;
        }
        if (starts is null || ends is null || starts.Length != ends.Length) return false;
        if ((axes is not null && axes.Length != starts.Length) || (steps is not null && steps.Length != starts.Length)) return false;
        var shape = x.Shape;
        for (var i = 0; i < starts.Length; i++)
        {
            if (steps is not null && steps[i] != 1) return false;
            var axis = axes?[i] ?? i;
            if (axis < 0)
            {
                if (shape is null) return false;
                axis += shape.Rank;
            }
            var dim = shape is not null && axis >= 0 && axis < shape.Rank ? shape[(int)axis].Value : null;
            var startsAtZero = starts[i] == 0 || dim is { } d1 && starts[i] <= -d1;
            var endsAtEnd = ends[i] >= EndOfAxis || dim is { } d2 && ends[i] >= d2;
            if (!startsAtZero || !endsAtEnd) return false;
        }
        return true;
    }

    private static bool IsNoOpExpand(Node node, Value x)
    {
        if (x.Shape is not { } inShape || node.Inputs.Count < 2 || GraphQueries.TryGetConstant(node.Inputs[1]) is not { DataType: DataType.Int64 } shapeTensor)
            return false;
        var target = shapeTensor.ToInt64Array();
        if (target.Length > inShape.Rank) return false;
        var offset = inShape.Rank - target.Length;
        for (var i = 0; i < target.Length; i++)
            if (target[i] != 1 && inShape[offset + i].Value != target[i]) return false;
        return true;
    }

    /// <summary>For Unsqueeze(Squeeze(x, a), a) or Squeeze(Unsqueeze(x, a), a): the original x; else null.</summary>
    private static Value? InverseSqueezePair(Node outer, Value middle, long opset)
    {
        if (middle.Producer is not { IsOnnxDomain: true } inner || inner.Inputs.Count == 0 || inner.Inputs[0] is not { } x) return null;
        var expected = outer.OpType == "Squeeze" ? "Unsqueeze" : "Squeeze";
        if (inner.OpType != expected) return null;
        // Both axis lists refer to the larger rank: Squeeze's input and Unsqueeze's output.
        var largeRank = outer.OpType == "Squeeze" ? middle.Shape?.Rank : x.Shape?.Rank;
        if (Axes(outer, opset, largeRank) is not { } a || Axes(inner, opset, largeRank) is not { } b) return null;
        return a.SetEquals(b) ? x : null;
    }

    private static HashSet<long>? Axes(Node node, long opset, int? rank)
    {
        var axes = opset < 13 ? node.Attributes.GetInts("axes") : ConstantInts(node, 1);
        if (axes is null || axes.Length == 0) return null;
        var result = new HashSet<long>();
        foreach (var a in axes)
        {
            if (a >= 0) result.Add(a);
            else if (rank is { } r) result.Add(a + r);
            else return null;
        }
        return result;
    }

    private static long[]? ConstantInts(Node node, int input) =>
        node.Inputs.Count > input && GraphQueries.TryGetConstant(node.Inputs[input]) is { DataType: DataType.Int64 or DataType.Int32 } t ? t.ToInt64Array() : null;
}
