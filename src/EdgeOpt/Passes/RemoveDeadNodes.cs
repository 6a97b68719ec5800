using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// Rule: a node none of whose outputs can reach a graph output is removed, in the main graph and in subgraphs.
/// Liveness starts at the main graph's outputs and flows backwards through node inputs. A live node with subgraphs
/// keeps every output of those subgraphs live (If/Loop/Scan outputs are positional), and whatever those bodies read
/// from outer scopes stays live too. ONNX inference operators have no side effects, so nothing else is kept.
/// Removing a node also drops the uses its subgraphs held on outer values.
/// </summary>
public sealed class RemoveDeadNodes : IGraphPass
{
    public string Name => "remove-dead-nodes";
    public string Description => "Removes nodes whose outputs reach no graph output (subgraphs included).";
    public PassLevel Level => PassLevel.Basic;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        var live = LiveNodes(model.Graph);
        var removed = 0;
        foreach (var graph in model.Graph.AllGraphs().ToList())
        {
            // Only graphs held by live nodes remain; dead nodes take their subgraphs with them.
            if (graph.ParentNode is { } owner && !live.Contains(owner)) continue;
            var dead = graph.Nodes.Where(n => !live.Contains(n)).ToList();
            // Readers first, so each removal sees its outputs unused.
            dead.Reverse();
            foreach (var node in dead)
            {
                foreach (var inner in node.Subgraphs.SelectMany(g => g.AllNodes()).ToList()) inner.ClearInputs();
                graph.RemoveNode(node, force: true);
                removed++;
            }
        }
        return PassResult.Of(removed);
    }

    private static HashSet<Node> LiveNodes(Graph main)
    {
        var live = new HashSet<Node>();
        var pending = new Stack<Value>(main.Outputs);
        while (pending.TryPop(out var value))
        {
            if (value.Producer is not { } node || !live.Add(node)) continue;
            foreach (var input in node.Inputs)
                if (input is not null) pending.Push(input);
            foreach (var body in node.Subgraphs)
                foreach (var output in body.Outputs) pending.Push(output);
        }
        return live;
    }
}
