using EdgeOpt.Onnx;

namespace EdgeOpt.Passes.Internal;

/// <summary>
/// The match-then-rewrite loop that pattern passes share: visit every candidate node of every graph (main graph
/// and subgraphs), check cancellation, try to match, and apply the rewrite to each match. Each graph's candidates
/// are snapshotted before any rewrite, so a rewrite may remove or add nodes; a candidate an earlier rewrite removed
/// is skipped. Pass-wide preconditions (an opset range) are the pass's declared <see cref="IGraphPass.Requirements"/>.
/// </summary>
internal static class NodeRewriter
{
    /// <summary>
    /// Runs <paramref name="rewrite"/> on every <paramref name="candidate"/> node for which <paramref name="match"/>
    /// returns non-null. The <see cref="NameGenerator"/> is created on the first match (so a run that changes
    /// nothing does not pay for it) and shared by all rewrites. Returns how many nodes were rewritten.
    /// </summary>
    public static int RewriteEach<TMatch>(
        Model model, PassContext context, Func<Node, bool> candidate, Func<Node, TMatch?> match,
        Action<Node, TMatch, NameGenerator> rewrite)
        where TMatch : class
    {
        NameGenerator? names = null;
        return RewriteEach(model, context, candidate, match, (node, m) => rewrite(node, m, names ??= new NameGenerator(model)));
    }

    /// <summary>Like the overload above, for rewrites that create no names.</summary>
    public static int RewriteEach<TMatch>(
        Model model, PassContext context, Func<Node, bool> candidate, Func<Node, TMatch?> match,
        Action<Node, TMatch> rewrite)
        where TMatch : class
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var rewrites = 0;
        foreach (var graph in model.Graph.AllGraphs().ToList())
        {
            foreach (var node in graph.Nodes.Where(candidate).ToList())
            {
                context.Cancellation.ThrowIfCancellationRequested();
                if (node.Graph is null || match(node) is not { } m) continue;
                rewrite(node, m);
                rewrites++;
            }
        }
        return rewrites;
    }
}
