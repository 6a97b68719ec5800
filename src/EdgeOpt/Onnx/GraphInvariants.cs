namespace EdgeOpt.Onnx;

/// <summary>
/// The structural rules every graph in a model must keep, checked on the IR alone (no runtime). A graph transform
/// that breaks one of them leaves a model that may still serialize but no runtime will load (or worse, one that loads
/// and computes something else), so the <c>PassManager</c> checks them after every pass in Debug builds and tests.
/// The rules, for the main graph and every subgraph:
/// <list type="bullet">
/// <item>Topological order: a node reads only values defined before it — graph inputs, initializers, outputs of
/// earlier nodes, or values of an enclosing graph defined before the node that holds the subgraph.</item>
/// <item>Every use has a producer: each node input and graph output is one of those values (not a value of a
/// removed node, of a sibling or inner subgraph, or of nothing at all).</item>
/// <item>Use-def links agree: each node input is listed among its value's uses and every listed use points back;
/// each node belongs to the graph that lists it and owns its outputs.</item>
/// <item>Unique value names: no two values share a name in one graph, and a subgraph does not redefine a name
/// visible from an enclosing graph (ONNX's single-assignment rule).</item>
/// <item>Initializers are attached: each holds a tensor, belongs to the graph that lists it and is found there by
/// its name. With <c>allowUnusedInitializers: false</c> also none is unused: read by no node (in any subgraph) and
/// not a graph output — the definition <c>remove-unused-initializers</c> applies (initializers that are also
/// inputs of a subgraph belong to its interface and are exempt).</item>
/// </list>
/// </summary>
public static class GraphInvariants
{
    /// <summary>Every rule <paramref name="model"/> breaks, one line each naming the graph and the value or node; empty when it keeps them all.</summary>
    public static IReadOnlyList<string> Find(Model model, bool allowUnusedInitializers = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        var problems = new List<string>();
        var reads = new Dictionary<Value, int>();
        CheckGraph(model.Graph, null, reads, problems, allowUnusedInitializers);
        // Each node input must be listed among its value's uses: counted, so a value read a thousand times costs no more.
        foreach (var (value, count) in reads)
            if (value.Uses.Count != count || value.Uses.Distinct().Count() != count)
                problems.Add($"'{value.Name}' is read by {count} node input{(count == 1 ? "" : "s")} but lists {value.Uses.Count} use{(value.Uses.Count == 1 ? "" : "s")}");
        return problems;
    }

    /// <summary>Scopes from the innermost graph out: the values each defines so far, by identity and by name.</summary>
    private sealed class Scope(Scope? parent)
    {
        public Scope? Parent { get; } = parent;
        public HashSet<Value> Values { get; } = [];
        public Dictionary<string, Value> Names { get; } = new(StringComparer.Ordinal);

        public bool Sees(Value value) => Values.Contains(value) || (Parent?.Sees(value) ?? false);

        public Value? OuterNamed(string name) => Parent is null ? null
            : Parent.Names.TryGetValue(name, out var v) ? v : Parent.OuterNamed(name);
    }

    private static void CheckGraph(Graph graph, Scope? outer, Dictionary<Value, int> reads, List<string> problems, bool allowUnusedInitializers)
    {
        var scope = new Scope(outer);
        var where = graph.ParentNode is { } owner ? $"subgraph '{graph.Name}' of {owner.DisplayName}" : $"graph '{graph.Name}'";

        foreach (var input in graph.Inputs) Define(input, scope, where, problems);
        foreach (var value in graph.Initializers)
        {
            if (!graph.Inputs.Contains(value)) Define(value, scope, where, problems);
            if (value.Initializer is null && value.SparseInitializer is null)
                problems.Add($"{where}: initializer '{value.Name}' holds no tensor");
            if (!ReferenceEquals(value.Graph, graph))
                problems.Add($"{where}: initializer '{value.Name}' belongs to {(value.Graph is null ? "no graph" : $"graph '{value.Graph.Name}'")}");
            if (!graph.Initializers.TryGet(value.Name, out var byName) || !ReferenceEquals(byName, value))
                problems.Add($"{where}: initializer '{value.Name}' is not found under its name");
            if (!allowUnusedInitializers && value.Uses.Count == 0 && !graph.Outputs.Contains(value)
                && !(graph.ParentNode is not null && graph.Inputs.Contains(value)))
                problems.Add($"{where}: initializer '{value.Name}' is unused (no node reads it and it is not a graph output)");
        }

        foreach (var node in graph.Nodes)
        {
            if (!ReferenceEquals(node.Graph, graph)) problems.Add($"{where}: node {node.DisplayName} is listed but belongs to another graph");
            for (var i = 0; i < node.Inputs.Count; i++)
            {
                if (node.Inputs[i] is not { } input) continue;
                reads[input] = reads.GetValueOrDefault(input) + 1;
                if (!scope.Sees(input)) problems.Add($"{where}: node {node.DisplayName} {Undefined(input, graph, node)}");
            }
            // A subgraph sees what is defined before its node, not the node's own outputs.
            foreach (var subgraph in node.Subgraphs) CheckGraph(subgraph, scope, reads, problems, allowUnusedInitializers);
            for (var i = 0; i < node.Outputs.Count; i++)
            {
                var output = node.Outputs[i];
                if (!ReferenceEquals(output.Producer, node) || output.OutputIndex != i)
                    problems.Add($"{where}: output {i} '{output.Name}' of node {node.DisplayName} names another producer");
                if (output.Name.Length > 0) Define(output, scope, where, problems);
            }
        }

        foreach (var output in graph.Outputs)
            if (!scope.Sees(output)) problems.Add($"{where}: graph output '{output.Name}' is defined by no graph input, initializer or node in scope");

        // Uses must point back at nodes that are still in a graph and read the value there.
        foreach (var value in scope.Values)
            foreach (var use in value.Uses)
                if (use.Node.Graph is null || use.Index >= use.Node.Inputs.Count || !ReferenceEquals(use.Node.Inputs[use.Index], value))
                    problems.Add($"{where}: '{value.Name}' lists a use by {use.Node.DisplayName} (input {use.Index}) that no longer reads it{(use.Node.Graph is null ? " (the node is in no graph)" : "")}");
    }

    private static void Define(Value value, Scope scope, string where, List<string> problems)
    {
        if (!scope.Values.Add(value)) return; // the same value listed twice (e.g. an IR < 4 input that is also an initializer)
        if (scope.Names.TryGetValue(value.Name, out var other) && !ReferenceEquals(other, value))
            problems.Add($"{where}: two values are named '{value.Name}'");
        else if (scope.OuterNamed(value.Name) is not null)
            problems.Add($"{where}: '{value.Name}' redefines a name of an enclosing graph");
        scope.Names.TryAdd(value.Name, value);
    }

    /// <summary>Why a value the node reads is not in scope: produced later, produced elsewhere, or produced by nothing.</summary>
    private static string Undefined(Value input, Graph graph, Node node)
    {
        var name = $"reads '{input.Name}'";
        if (input.Producer is { } producer)
        {
            if (producer.Graph is null) return $"{name}, whose producer {producer.DisplayName} was removed";
            if (Encloses(producer.Graph, graph))
                return $"{name} before its producer {producer.DisplayName} (not in topological order)";
            return $"{name} from graph '{producer.Graph.Name}', which does not enclose it (invalid outer-scope reference)";
        }
        if (input.Graph is { } owner && !Encloses(owner, graph)
            && (owner.Inputs.Contains(input) || (owner.Initializers.TryGet(input.Name, out var listed) && ReferenceEquals(listed, input))))
            return $"{name} from graph '{owner.Name}', which does not enclose it (invalid outer-scope reference)";
        return $"{name}, which no graph input, initializer or node output defines";
    }

    private static bool Encloses(Graph outer, Graph inner)
    {
        for (Graph? g = inner; g is not null; g = g.ParentGraph)
            if (ReferenceEquals(g, outer)) return true;
        return false;
    }
}
