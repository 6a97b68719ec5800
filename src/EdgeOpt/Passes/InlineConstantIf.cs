using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Inlines an <c>If</c> whose condition is a constant (typically after <see cref="BindInputs"/> and
/// <see cref="FoldConstants"/>), in the main graph and in subgraphs.
/// Pattern: <c>Y… = If(cond) {then_branch, else_branch}</c> with <c>cond</c> a one-element bool constant.
/// Replacement: the taken branch's nodes and constants, spliced into the If's graph at its position; the dead branch
/// goes with the If. Values the branch captured from outer scopes stay linked to those values; a name defined in the
/// branch that is also used elsewhere in the model is renamed. Each branch output becomes the matching If output:
/// its readers (subgraph captures included) read the branch value; when the If output is a graph output it keeps
/// its name (the branch value takes it, or an Identity carries it when the branch value is a constant, an outer
/// value or already another output). Conditions: default-domain If with both branches and a constant condition.
/// </summary>
public sealed class InlineConstantIf : IGraphPass
{
    public string Name => "inline-constant-if";
    public string Description => "Replace an If whose condition is constant with the nodes of the branch it takes; drop the other branch";
    public PassLevel Level => PassLevel.Basic;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var inlined = 0;
        // One If at a time: each inlining moves nodes between graphs, so the candidates are found afresh.
        while (model.Graph.AllNodes().FirstOrDefault(n => TakenBranch(n) is not null) is { } node)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            Inline(model, node, TakenBranch(node)!);
            inlined++;
        }
        return PassResult.Of(inlined);
    }

    /// <summary>The branch a constant-condition If takes, or null when <paramref name="node"/> is not one.</summary>
    private static Graph? TakenBranch(Node node)
    {
        if (node is not { OpType: "If", IsOnnxDomain: true, Graph: not null } || node.Inputs.Count != 1) return null;
        if (GraphQueries.TryGetConstant(node.Inputs[0]) is not { DataType: DataType.Bool, ElementCount: 1 } cond) return null;
        if (node.Attributes["then_branch"]?.Value is not Graph then || node.Attributes["else_branch"]?.Value is not Graph other) return null;
        var taken = cond.ToArray<bool>()[0] ? then : other;
        return taken.Outputs.Count == node.Outputs.Count && taken.Inputs.Count == 0 ? taken : null;
    }

    private static void Inline(Model model, Node node, Graph branch)
    {
        var graph = node.Graph!;
        var names = NamesOutside(model, node);
        RenameClashes(branch, names);

        // Constants and nodes move into the parent scope, before the If (whose inputs they may not need, but whose
        // readers need them); the branch is topologically sorted, and everything it captures is defined earlier.
        foreach (var constant in branch.Initializers.ToList())
        {
            branch.Initializers.Detach(constant);
            constant.Graph = null;
            if (constant.Initializer is { } dense) graph.Initializers.Attach(constant, dense);
            else graph.Initializers.AddSparse(constant.SparseInitializer!, constant);
        }
        var position = graph.IndexOf(node);
        foreach (var inner in branch.TopologicalOrder())
        {
            branch.DetachNode(inner);
            graph.InsertNode(position++, inner);
        }
        graph.QuantizationAnnotations.AddRange(branch.QuantizationAnnotations);

        for (var i = 0; i < node.Outputs.Count; i++)
        {
            var result = node.Outputs[i];
            if (result.Name.Length == 0) continue;
            var source = branch.Outputs[i];
            source.Type ??= result.Type;
            if (!GraphQueries.TryReplaceValue(result, source))
            {
                // A graph output keeps its name: an Identity carries the branch value under it.
                var carrier = new Value(names.Fresh(result.Name + "_inlined"), result.Type ?? source.Type);
                graph.InsertNode(position++, new Node("Identity", [source], [carrier], name: names.Fresh(carrier.Name)));
                GraphQueries.TryReplaceValue(result, carrier);
            }
        }
        branch.Outputs.Clear();

        // The dead branch (and anything left of the taken one) releases what it read from outer scopes.
        foreach (var inner in node.Subgraphs.SelectMany(g => g.AllNodes()).ToList()) inner.ClearInputs();
        graph.RemoveNode(node, force: true);
        graph.SortTopologically();
    }

    /// <summary>Names used anywhere in the model except inside the If being inlined (its branches' names are what may move).</summary>
    private static NameGenerator NamesOutside(Model model, Node node)
    {
        var inside = node.Subgraphs.SelectMany(g => g.AllGraphs()).ToHashSet();
        return new NameGenerator(model.Graph.AllGraphs().Where(g => !inside.Contains(g)));
    }

    /// <summary>Renames values and nodes of the branch (nested bodies included) whose names are taken outside it.</summary>
    private static void RenameClashes(Graph branch, NameGenerator names)
    {
        foreach (var scope in branch.AllGraphs())
        {
            var renamed = false;
            foreach (var value in scope.Values())
            {
                if (value.Name.Length == 0) continue;
                if (names.IsTaken(value.Name))
                {
                    value.Name = names.Fresh(value.Name);
                    renamed |= value.IsInitializer;
                }
                else names.Reserve(value.Name);
            }
            if (renamed) scope.Initializers.Reindex();
            foreach (var inner in scope.Nodes)
            {
                if (inner.Name.Length == 0) continue;
                if (names.IsTaken(inner.Name)) inner.Name = names.Fresh(inner.Name);
                else names.Reserve(inner.Name);
            }
        }
    }
}
