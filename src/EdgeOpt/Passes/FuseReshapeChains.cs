using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Skips the first of two back-to-back reshapes. Pattern: <c>Y = Reshape(Reshape(X, s1), s2)</c>.
/// Replacement: <c>Y = Reshape(X, s2)</c> — only the element count matters to a reshape, and both see the same.
/// Conditions: the intermediate has no other reader and is not a graph output. A 0 in s2 copies a dim of its
/// input (unless <c>allowzero</c> = 1), so each such 0 must be resolved against the intermediate: kept when s1 has
/// 0 there too (the same dim of X), replaced by s1's number there, or by the intermediate's known dim; otherwise
/// (and when s2 is not constant and may hold zeros) the chain is left alone. Opset &lt; 5 <c>shape</c> attributes
/// are read the same way.
/// </summary>
public sealed class FuseReshapeChains : IGraphPass
{
    public string Name => "fuse-reshape-chains";
    public string Description => "Collapse Reshape∘Reshape into the last Reshape";
    public PassLevel Level => PassLevel.Basic;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        NameGenerator? names = null; // only needed when a target shape must be rewritten
        return PassResult.Of(NodeRewriter.RewriteEach(model, context, IsReshape, Match, (second, m) =>
        {
            var graph = second.Graph!;
            if (m.Resolved is not null) SetShape(second, m.Resolved, graph, names ??= new NameGenerator(model));
            var firstShape = m.First.Inputs.Count > 1 ? m.First.Inputs[1] : null;
            second.SetInput(0, m.X);
            graph.RemoveNode(m.First);
            FusedWeights.ReleaseIfUnused(firstShape);
        }));
    }

    private sealed record ReshapeChain(Node First, Value X, long[]? Resolved);

    private static ReshapeChain? Match(Node second)
    {
        if (second.Inputs[0] is not { Producer: { } first } middle || !IsReshape(first) || first.Graph != second.Graph) return null;
        if (GraphQueries.SingleConsumer(middle) != second || first.Inputs[0] is not { } x) return null;
        return TryResolveShape(first, second, out var resolved) ? new ReshapeChain(first, x, resolved) : null;
    }

    private static bool IsReshape(Node n) => n is { OpType: "Reshape", IsOnnxDomain: true, Outputs.Count: 1, Inputs.Count: > 0 };

    /// <summary>The target shape: the constant second input (opset ≥ 5) or the <c>shape</c> attribute; null when dynamic.</summary>
    private static long[]? TargetShape(Node reshape) =>
        reshape.Inputs.Count > 1
            ? GraphQueries.TryGetConstant(reshape.Inputs[1])?.ToInt64Array()
            : reshape.Attributes.GetInts("shape");

    /// <summary>
    /// Whether the second reshape can read X directly; <paramref name="resolved"/> is a rewritten target shape when
    /// its zeros had to be resolved, null when it can stay as it is.
    /// </summary>
    private static bool TryResolveShape(Node first, Node second, out long[]? resolved)
    {
        resolved = null;
        if (second.Attributes.GetInt("allowzero", 0) != 0) return true;
        if (TargetShape(second) is not { } s2) return false;
        if (!s2.Contains(0)) return true;
        var s1 = TargetShape(first);
        var firstCopiesZeros = first.Attributes.GetInt("allowzero", 0) == 0;
        var middleShape = first.Outputs[0].Shape;
        var result = (long[])s2.Clone();
        var rewritten = false;
        for (var i = 0; i < s2.Length; i++)
        {
            if (s2[i] != 0) continue;
            if (s1 is not null && i < s1.Length && s1[i] == 0 && firstCopiesZeros) continue; // same dim of X either way
            if (s1 is not null && i < s1.Length && s1[i] > 0) result[i] = s1[i];
            else if (middleShape is not null && i < middleShape.Rank && middleShape[i].Value is { } known and > 0) result[i] = known;
            else return false;
            rewritten = true;
        }
        resolved = rewritten ? result : null;
        return true;
    }

    private static void SetShape(Node reshape, long[] shape, Graph graph, NameGenerator names)
    {
        if (reshape.Inputs.Count > 1)
        {
            var old = reshape.Inputs[1]!;
            reshape.SetInput(1, FusedWeights.AddInt64Initializer(graph, names, old.Name + "_resolved", shape));
            FusedWeights.ReleaseIfUnused(old);
        }
        else
        {
            reshape.Attributes.Set(OnnxAttribute.Ints("shape", shape));
        }
    }
}
