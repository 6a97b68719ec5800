using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis;

/// <summary>Peak activation memory and where it occurs.</summary>
internal sealed record LivenessResult(long PeakBytes, Node? PeakNode, int UnsizedValues);

/// <summary>
/// Estimates peak activation memory of the main graph by tensor liveness over its topological order. A value is
/// live from the step of its producer (graph inputs: from the start) through the step of its last consumer
/// (graph outputs: to the end; unused outputs: only their producer's step). At each step the memory is the sum
/// of live values, so a node's inputs and outputs count together. Initializers and Constant outputs are weights,
/// not activations; values whose size does not resolve are left out and counted in <see cref="LivenessResult.UnsizedValues"/>.
/// Consumers inside a subgraph keep the value live until the node that owns that subgraph runs. No buffer
/// reuse or in-place execution is assumed, so this is an upper bound on what a runtime needs for activations.
/// </summary>
internal static class ActivationLiveness
{
    public static LivenessResult Analyze(Graph graph, ShapeResolver shapes)
    {
        var order = graph.TopologicalOrder();
        var step = new Dictionary<Node, int>(order.Count);
        for (var i = 0; i < order.Count; i++) step[order[i]] = i;
        var last = Math.Max(order.Count - 1, 0);

        // delta[i] is added at step i; a value live over [start, end] adds at start and removes at end + 1.
        var delta = new long[last + 2];
        var unsized = 0;

        void Track(Value value, int start)
        {
            if (shapes.Bytes(value) is not { } bytes)
            {
                unsized++;
                return;
            }
            var end = graph.Outputs.Contains(value) ? last : start;
            foreach (var use in value.Uses)
                if (TopLevelStep(use.Node, graph, step) is { } s) end = Math.Max(end, s);
            delta[start] += bytes;
            delta[end + 1] -= bytes;
        }

        foreach (var input in graph.Inputs)
            if (!input.IsInitializer) Track(input, 0);
        for (var i = 0; i < order.Count; i++)
        {
            var node = order[i];
            if (node.OpType == "Constant" && node.IsOnnxDomain) continue;
            foreach (var output in node.Outputs)
                if (output.Name.Length > 0) Track(output, i);
        }

        long live = 0, peak = 0;
        var peakStep = -1;
        for (var i = 0; i <= last; i++)
        {
            live += delta[i];
            if (live > peak)
            {
                peak = live;
                peakStep = i;
            }
        }
        return new LivenessResult(peak, peakStep >= 0 && order.Count > 0 ? order[peakStep] : null, unsized);
    }

    // The step of the node in `graph` that is (or encloses) `node`; null if it lies outside this graph.
    private static int? TopLevelStep(Node node, Graph graph, Dictionary<Node, int> step)
    {
        for (Node? n = node; n is not null; n = n.Graph?.ParentNode)
            if (ReferenceEquals(n.Graph, graph)) return step.TryGetValue(n, out var s) ? s : null;
        return null;
    }
}
