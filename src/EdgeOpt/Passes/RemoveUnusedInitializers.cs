using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Rule: an initializer (dense or sparse) that no node reads and that is not a graph output is removed, in every
/// graph. When it is also a main-graph input (IR &lt; 4 style), that input goes with it: it only ever supplied an
/// overridable default nobody reads. Plain graph inputs are never removed, even unused: they are the model's
/// interface. Subgraph inputs are positional parameters and are never touched. Rewrites count the initializers removed.
/// </summary>
public sealed class RemoveUnusedInitializers : IGraphPass
{
    public string Name => "remove-unused-initializers";
    public string Description => "Removes initializers nothing reads (and their IR<4 graph-input entries).";
    public PassLevel Level => PassLevel.Basic;
    public PassPostconditions Ensures => PassPostconditions.NoUnusedInitializers;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        var removed = 0;
        foreach (var graph in model.Graph.AllGraphs().ToList())
        {
            foreach (var value in graph.Initializers.ToList())
            {
                if (!GraphQueries.IsUnused(value)) continue;
                if (graph.Inputs.Contains(value))
                {
                    if (graph.ParentNode is not null) continue;
                    graph.Inputs.Remove(value);
                }
                graph.Initializers.Remove(value);
                removed++;
            }
        }
        return PassResult.Of(removed);
    }
}
