using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Composes back-to-back transposes. Pattern: <c>Y = Transpose(Transpose(X, p1), p2)</c>.
/// Replacement: <c>Y = Transpose(X, p)</c> with <c>p[i] = p1[p2[i]]</c>, or plain <c>X</c> when p is the identity
/// (an Identity node instead when Y is a graph output that X cannot stand in for).
/// Conditions: the intermediate has no other reader and is not a graph output. A missing perm means "reverse
/// the axes"; the rank comes from the other perm or a known shape.
/// </summary>
public sealed class FuseConsecutiveTransposes : IGraphPass
{
    public string Name => "fuse-consecutive-transposes";
    public string Description => "Merge Transpose∘Transpose into one Transpose, or remove both when they cancel";
    public PassLevel Level => PassLevel.Basic;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        return PassResult.Of(NodeRewriter.RewriteEach(model, context, IsTranspose, Match, (second, m) => Fuse(m.First, second, m.X, m.Perm)));
    }

    private sealed record TransposePair(Node First, Value X, long[] Perm);

    private static TransposePair? Match(Node second)
    {
        if (second.Inputs.Count != 1) return null;
        if (second.Inputs[0] is not { Producer: { } first } middle || !IsTranspose(first) || first.Graph != second.Graph) return null;
        if (GraphQueries.SingleConsumer(middle) != second || first.Inputs is not [{ } x]) return null;
        return Compose(first, second, x) is { } perm ? new TransposePair(first, x, perm) : null;
    }

    private static bool IsTranspose(Node n) => n is { OpType: "Transpose", IsOnnxDomain: true, Outputs.Count: 1 };

    /// <summary>The composed perm (empty means identity), or null when a missing perm's rank cannot be known.</summary>
    private static long[]? Compose(Node first, Node second, Value x)
    {
        var p1 = first.Attributes.GetInts("perm");
        var p2 = second.Attributes.GetInts("perm");
        if (p1 is null && p2 is null) return []; // reversing twice is the identity at any rank
        var rank = p1?.Length ?? p2?.Length ?? x.Shape?.Rank;
        if (rank is not { } r) return null;
        p1 ??= Reversed(r);
        p2 ??= Reversed(r);
        if (p1.Length != r || p2.Length != r || p2.Any(i => i < 0 || i >= r)) return null;
        return p2.Select(i => p1[i]).ToArray();
    }

    private static long[] Reversed(int rank) => Enumerable.Range(0, rank).Select(i => (long)(rank - 1 - i)).ToArray();

    private static void Fuse(Node first, Node second, Value x, long[] perm)
    {
        var graph = second.Graph!;
        var identity = perm.Select((p, i) => p == i).All(b => b);
        if (identity && GraphQueries.TryRemoveNodeAndRewire(second, x))
        {
            graph.RemoveNode(first);
            return;
        }
        second.SetInput(0, x);
        if (identity)
        {
            // Y is a graph output X cannot be renamed to: keep one Identity so the output keeps its name.
            second.OpType = "Identity";
            second.Attributes.Remove("perm");
        }
        else
        {
            second.Attributes.Set(OnnxAttribute.Ints("perm", perm));
        }
        graph.RemoveNode(first);
    }
}
