using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Rule: <c>y = Identity(x)</c> → readers of <c>y</c> read <c>x</c>, and the node goes.
/// Conditions: default domain. When <c>y</c> is a graph output, <c>x</c> takes over the name <c>y</c> so the
/// model's interface is unchanged; that needs <c>x</c> to be a node output of the same graph that is not already a
/// graph output. Otherwise (e.g. an input passed straight through to an output) the Identity stays.
/// </summary>
public sealed class EliminateIdentity : IGraphPass
{
    public string Name => "eliminate-identity";
    public string Description => "Removes Identity nodes (graph-output names are kept).";
    public PassLevel Level => PassLevel.Basic;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        var removed = 0;
        foreach (var graph in model.Graph.AllGraphs().ToList())
            foreach (var node in graph.Nodes.ToList())
                if (node is { OpType: "Identity", IsOnnxDomain: true, Inputs: [{ } input] })
                    removed += GraphQueries.TryRemoveNodeAndRewire(node, input) ? 1 : 0;
        return PassResult.Of(removed);
    }
}
