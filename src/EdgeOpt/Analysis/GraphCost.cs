using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Inference;

namespace EdgeOpt.Analysis;

/// <summary>
/// MACs and FLOPs of a graph, control flow included. An If whose condition shape inference knows (a constant, or shape
/// arithmetic such as "dim 1 of x is 1") costs the branch it takes; any other If its costlier branch (by FLOPs, then
/// MACs): what a run may take, so budgets hold whichever branch runs. A Loop costs its body times a constant trip count (an upper bound:
/// its condition may stop it sooner); a Scan its body times the scanned length. A Loop without a constant trip count or
/// a Scan whose length does not resolve is not counted. Per op type, the costed bodies' nodes count under their own op
/// type (a Conv inside a branch is a Conv); every body's own figures are listed in <see cref="Subgraphs"/>.
/// </summary>
internal sealed class GraphCost
{
    private readonly Dictionary<string, OperatorCostSummary> _byOp = new(StringComparer.Ordinal);

    private GraphCost()
    {
    }

    public long Macs { get; private set; }
    public long Flops { get; private set; }
    public int Nodes { get; private set; }
    public List<UncountedNode> Uncounted { get; } = [];
    public List<SubgraphCostSummary> Subgraphs { get; } = [];

    /// <summary>Costs per op type, costliest first.</summary>
    public IReadOnlyList<OperatorCostSummary> ByOp => [.. _byOp.Values
        .OrderByDescending(s => s.Flops).ThenByDescending(s => s.Macs).ThenBy(s => s.OpType, StringComparer.Ordinal)];

    /// <param name="graph">The graph to cost.</param>
    /// <param name="shapes">Sizes of values.</param>
    /// <param name="opset">The default-domain opset.</param>
    /// <param name="condition">An If condition's value when it is known before running, else null.</param>
    public static GraphCost Of(Graph graph, ShapeResolver shapes, long opset, Func<Value?, bool?> condition) => Of(graph, new Context(shapes, opset, condition), "");

    private sealed record Context(ShapeResolver Shapes, long Opset, Func<Value?, bool?> Condition);

    private static GraphCost Of(Graph graph, Context context, string path)
    {
        var tally = new GraphCost();
        foreach (var node in graph.Nodes)
        {
            tally.Nodes++;
            if (node.IsOnnxDomain && node.OpType is "If" or "Loop" or "Scan" && node.Subgraphs.Any())
                tally.AddControlFlow(node, context, path);
            else
                tally.Add(node, OperatorCost.Estimate(node, context.Shapes), path);
        }
        return tally;
    }

    private void Add(Node node, NodeCost cost, string path)
    {
        var key = ModelProfile.OpKey(node);
        if (!cost.IsCounted) Uncounted.Add(new UncountedNode(path + node.DisplayName, key, cost.NotCountedReason!));
        Accumulate(key, nodes: 1, notCounted: cost.IsCounted ? 0 : 1, cost.Macs, cost.Flops);
    }

    private void Accumulate(string key, int nodes, int notCounted, long macs, long flops)
    {
        var s = _byOp.GetValueOrDefault(key) ?? new OperatorCostSummary(key, 0, 0, 0, 0);
        _byOp[key] = s with
        {
            Nodes = s.Nodes + nodes,
            NotCounted = s.NotCounted + notCounted,
            Macs = checked(s.Macs + macs),
            Flops = checked(s.Flops + flops),
        };
        Macs = checked(Macs + macs);
        Flops = checked(Flops + flops);
    }

    private void AddControlFlow(Node node, Context context, string path)
    {
        var inner = $"{path}{node.DisplayName} / ";
        var rowAt = Subgraphs.Count;
        var bodies = node.Attributes
            .Where(a => a.Value is Graph)
            .Select(a => (Name: a.Name, Cost: Of((Graph)a.Value!, context, $"{inner}{a.Name}: ")))
            .ToList();
        long? iterations;
        string? reason = null;
        (string Name, GraphCost Cost)? taken;
        if (node.OpType == "If")
        {
            iterations = 1;
            var known = context.Condition(node.Inputs.Count > 0 ? node.Inputs[0] : null);
            taken = known is { } branch
                ? bodies.FirstOrDefault(b => b.Name == (branch ? "then_branch" : "else_branch"))
                : bodies.OrderByDescending(b => b.Cost.Flops).ThenByDescending(b => b.Cost.Macs).First();
        }
        else
        {
            iterations = node.OpType == "Loop" ? TripCount(node) : ScannedLength(node, context.Shapes, context.Opset);
            taken = bodies.FirstOrDefault(b => b.Name == "body");
            reason = node.OpType == "Loop"
                ? "Loop without a constant trip count: its body's cost depends on the run (see its body's figures)"
                : "Scan whose scanned length does not resolve (see its body's figures)";
        }

        var rows = bodies.Select(b => new SubgraphCostSummary(path + node.DisplayName, node.OpType, b.Name, b.Cost.Nodes,
            b.Cost.Macs, b.Cost.Flops, b.Cost.Uncounted.Count, iterations, iterations is not null && taken?.Name == b.Name)).ToList();
        Subgraphs.InsertRange(rowAt, rows);
        foreach (var (_, cost) in bodies)
        {
            Subgraphs.AddRange(cost.Subgraphs);
            Uncounted.AddRange(cost.Uncounted);
        }
        Nodes += bodies.Sum(b => b.Cost.Nodes);

        var key = ModelProfile.OpKey(node);
        if (iterations is not { } times || taken is not { } chosen)
        {
            Uncounted.Add(new UncountedNode(path + node.DisplayName, key, reason ?? "no body to cost"));
            Accumulate(key, nodes: 1, notCounted: 1, 0, 0);
            return;
        }
        Accumulate(key, nodes: 1, notCounted: 0, 0, 0);
        foreach (var op in chosen.Cost._byOp.Values)
        {
            var s = _byOp.GetValueOrDefault(op.OpType) ?? new OperatorCostSummary(op.OpType, 0, 0, 0, 0);
            _byOp[op.OpType] = s with
            {
                Nodes = s.Nodes + op.Nodes,
                NotCounted = s.NotCounted + op.NotCounted,
                Macs = checked(s.Macs + op.Macs * times),
                Flops = checked(s.Flops + op.Flops * times),
            };
        }
        Macs = checked(Macs + chosen.Cost.Macs * times);
        Flops = checked(Flops + chosen.Cost.Flops * times);
    }

    /// <summary>A Loop's trip count M when it is a constant (an initializer or Constant node), else null.</summary>
    private static long? TripCount(Node loop) =>
        loop.Inputs.Count > 0 && loop.Inputs[0] is { } m && InferenceEngine.ConstantTensorOf(m) is { ElementCount: 1 } t
            ? Math.Max(0, t.ToInt64Array()[0])
            : null;

    /// <summary>
    /// A Scan's body executions: the first scan input's dim on its scan axis, bound symbols included (opset 8's batched
    /// form: batch × sequence length).
    /// </summary>
    private static long? ScannedLength(Node scan, ShapeResolver shapes, long opset)
    {
        var scanInputs = (int)scan.Attributes.GetInt("num_scan_inputs", 0);
        var first = scan.Inputs.Count - scanInputs;
        if (scanInputs < 1 || first < 0 || shapes.Dims(scan.Inputs[first]) is not { } dims) return null;
        if (opset < 9) return dims.Length >= 2 ? checked(dims[0] * dims[1]) : null;
        var axes = scan.Attributes.GetInts("scan_input_axes");
        var axis = axes is { Length: > 0 } ? axes[0] : 0;
        if (axis < 0) axis += dims.Length;
        return axis >= 0 && axis < dims.Length ? dims[axis] : null;
    }
}
