using EdgeOpt.Onnx;

namespace EdgeOpt.Progressive.Packaging;

/// <summary>A tensor placed in a chunk: its bytes start at <see cref="Offset"/> within the chunk file.</summary>
internal sealed record PlacedTensor(Tensor Tensor, long Offset, int Priority);

/// <summary>The tensors of one chunk, in order, and the chunk's length (with alignment padding).</summary>
internal sealed record ChunkSlot(IReadOnlyList<PlacedTensor> Tensors, long Length)
{
    public int Priority => Tensors[0].Priority;
}

/// <summary>
/// Decides which initializers go to chunks and where. Tensors are packed whole, greedily, in priority order (first use in
/// the topological order). Boundaries depend only on tensor sizes and order, so changing one tensor's values changes only
/// the chunk that holds it: a delta update fetches that chunk alone.
/// </summary>
internal static class ChunkLayout
{
    /// <summary>Tensor starts inside a chunk are 64-byte aligned so a loader can hand out aligned views (SIMD-friendly).</summary>
    public const int Alignment = 64;

    public static IReadOnlyList<ChunkSlot> Plan(Graph graph, ProgressiveOptions options)
    {
        var ranks = FirstUseRanks(graph, out var unused);
        var candidates = graph.Initializers
            .Where(v => v.Initializer is { DataType: not DataType.String } t && t.ByteLength >= options.MinChunkedTensorBytes)
            .Select((v, fileIndex) => (Tensor: v.Initializer!, Priority: ranks.TryGetValue(v, out var r) ? r : unused, FileIndex: fileIndex))
            .OrderBy(c => c.Priority).ThenBy(c => c.FileIndex)
            .ToList();

        var slots = new List<ChunkSlot>();
        var current = new List<PlacedTensor>();
        long length = 0;
        foreach (var (tensor, priority, _) in candidates)
        {
            var offset = Align(length);
            if (current.Count > 0 && offset + tensor.ByteLength > options.ChunkSize)
            {
                slots.Add(new ChunkSlot(current, length));
                current = [];
                offset = 0;
            }
            current.Add(new PlacedTensor(tensor, offset, priority));
            length = offset + tensor.ByteLength;
        }
        if (current.Count > 0) slots.Add(new ChunkSlot(current, length));
        return slots;
    }

    private static long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    /// <summary>Rank of each initializer's first use: the position in the topological order of the top-level node using it (directly or from a subgraph).</summary>
    private static Dictionary<Value, int> FirstUseRanks(Graph graph, out int unused)
    {
        var order = graph.TopologicalOrder();
        var rankOfNode = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < order.Count; i++) rankOfNode[order[i]] = i;
        unused = order.Count;

        var ranks = new Dictionary<Value, int>(ReferenceEqualityComparer.Instance);
        foreach (var value in graph.Initializers)
        {
            var best = int.MaxValue;
            foreach (var use in value.Uses)
                if (TopLevelNode(use.Node, graph) is { } top && rankOfNode.TryGetValue(top, out var r) && r < best) best = r;
            if (best != int.MaxValue) ranks[value] = best;
        }
        return ranks;
    }

    private static Node? TopLevelNode(Node node, Graph graph)
    {
        var current = node;
        while (current.Graph is { } g && !ReferenceEquals(g, graph))
        {
            if (g.ParentNode is not { } parent) return null;
            current = parent;
        }
        return current;
    }
}
