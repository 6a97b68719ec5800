using EdgeOpt.Onnx;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// Applies a choice of kept channels to a copy of the model the <see cref="DependencyGraph"/> was built from: slices
/// weights, biases and per-channel constants, rewrites depthwise <c>group</c>, Reshape targets and Split sizes, and
/// updates the declared shapes of every tensor whose channels changed. Nodes and values are found by name, so the
/// same plan prunes any copy (the sensitivity probes and the final model).
/// </summary>
internal static class ChannelRemover
{
    /// <summary>Prunes <paramref name="model"/> in place; <paramref name="kept"/> gives an atom's kept channels (ascending), or null to keep all.</summary>
    public static void Apply(Model model, DependencyGraph plan, Func<int, IReadOnlyList<int>?> kept)
    {
        var graph = model.Graph;
        var nodes = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
            if (node.Outputs.Count > 0 && node.Outputs[0].Name.Length > 0) nodes.TryAdd(node.Outputs[0].Name, node);
        var values = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var v in graph.Values()) values.TryAdd(v.Name, v);

        bool Changed(ChannelLayout layout) => layout.Atoms.Any(a => kept(a) is not null);
        var names = new HashSet<string>(values.Keys, StringComparer.Ordinal);
        var replaced = new HashSet<Value>();

        foreach (var edit in plan.Edits)
        {
            switch (edit)
            {
                case SliceConstantInput s when Changed(s.Layout):
                    SliceInput(graph, nodes[s.Node], s.Input, s.Dim, s.Layout.KeptPositions(kept), names, replaced);
                    break;
                case SetConvGroup g when Changed(g.Layout):
                    nodes[g.Node].Attributes.Set(OnnxAttribute.Int("group", g.Layout.KeptCount(a => KeptCount(kept, a, plan))));
                    break;
                case SetReshapeDim r when Changed(r.Layout):
                    SetShapeEntry(graph, nodes[r.Node], r.Index, r.Layout.KeptCount(a => KeptCount(kept, a, plan)), names, replaced);
                    break;
                case SetSplitSizes s when s.Outputs.Any(Changed):
                    SetSplit(model, graph, nodes[s.Node], s.Outputs.Select(o => (long)o.KeptCount(a => KeptCount(kept, a, plan))).ToArray(), names, replaced);
                    break;
                case SetValueDim d when Changed(d.Layout) && values.TryGetValue(d.Value, out var value):
                    SetDim(value, d.Layout.Axis, d.Layout.KeptCount(a => KeptCount(kept, a, plan)));
                    break;
            }
        }
        // Constants replaced by pruned copies that nothing reads any more.
        foreach (var v in replaced)
            if (v.Uses.Count == 0 && !v.IsGraphInput && !v.IsGraphOutput && v.Initializer is not null)
                graph.Initializers.Remove(v);
    }

    private static int KeptCount(Func<int, IReadOnlyList<int>?> kept, int atom, DependencyGraph plan) =>
        kept(atom)?.Count ?? plan.AtomLength(atom);

    private static string Fresh(HashSet<string> names, string stem)
    {
        var name = stem + "_pruned";
        for (var i = 1; !names.Add(name); i++) name = $"{stem}_pruned{i}";
        return name;
    }

    /// <summary>Keeps <paramref name="positions"/> along <paramref name="dim"/> of the constant input; a constant others also read gets a private copy first.</summary>
    private static void SliceInput(Graph graph, Node node, int input, int dim, int[] positions, HashSet<string> names, HashSet<Value> replaced)
    {
        var value = node.Inputs[input] ?? throw new EdgeOptException($"{node.DisplayName} has no input {input} to prune");
        var tensor = value.Initializer ?? throw new EdgeOptException($"'{value.Name}' of {node.DisplayName} is not a constant");
        var sliced = Slice(tensor, dim, positions);
        if (value.Uses.Count == 1 && !value.IsGraphOutput)
        {
            var renamed = sliced.WithName(value.Name);
            value.Initializer = renamed;
            if (value.Type is TensorType t) value.Type = t with { Shape = renamed.Shape };
            return;
        }
        var copy = graph.Initializers.Add(sliced.WithName(Fresh(names, value.Name)));
        node.SetInput(input, copy);
        replaced.Add(value);
    }

    /// <summary>A copy of <paramref name="tensor"/> with only <paramref name="positions"/> along <paramref name="dim"/> (any fixed-size element type).</summary>
    internal static Tensor Slice(Tensor tensor, int dim, int[] positions)
    {
        var dims = tensor.Dims.ToArray();
        var elementBytes = tensor.DataType.StorageBytes(1);
        long inner = elementBytes;
        for (var i = dim + 1; i < dims.Length; i++) inner *= dims[i];
        long outer = 1;
        for (var i = 0; i < dim; i++) outer *= dims[i];
        var source = tensor.RawBytes;
        var size = dims[dim];
        var result = new byte[outer * positions.Length * inner];
        var chunk = checked((int)inner);
        var at = 0;
        for (long o = 0; o < outer; o++)
            foreach (var p in positions)
            {
                source.Slice(checked((int)((o * size + p) * inner)), chunk).CopyTo(result.AsSpan(at, chunk));
                at += chunk;
            }
        dims[dim] = positions.Length;
        return Tensor.FromRaw(tensor.Name, tensor.DataType, dims, result);
    }

    private static void SetShapeEntry(Graph graph, Node node, int index, long size, HashSet<string> names, HashSet<Value> replaced)
    {
        var old = node.Inputs[1]!;
        var tensor = old.Initializer ?? Onnx.Inference.InferenceEngine.ConstantTensorOf(old)
            ?? throw new EdgeOptException($"{node.DisplayName}: its target shape is no longer constant");
        var entries = tensor.ToInt64Array();
        entries[index] = size;
        var replacement = graph.Initializers.Add(Tensor.Create(Fresh(names, old.Name), entries, [.. tensor.Dims]));
        node.SetInput(1, replacement);
        replaced.Add(old);
    }

    private static void SetSplit(Model model, Graph graph, Node node, long[] sizes, HashSet<string> names, HashSet<Value> replaced)
    {
        if ((model.GetOpset() ?? 1) < 13)
        {
            node.Attributes.Set(OnnxAttribute.Ints("split", sizes));
            return;
        }
        node.Attributes.Remove("num_outputs");
        var old = node.Inputs.Count > 1 ? node.Inputs[1] : null;
        var replacement = graph.Initializers.Add(Tensor.Create(Fresh(names, old?.Name ?? node.Outputs[0].Name + "_split"), sizes, sizes.Length));
        if (node.Inputs.Count > 1) node.SetInput(1, replacement);
        else node.AddInput(replacement);
        if (old is not null) replaced.Add(old);
    }

    private static void SetDim(Value value, int axis, int size)
    {
        if (value.Initializer is not null) return;
        if (value.Type is not TensorType { Shape: { } shape } type || shape.Rank < -axis) return;
        var dims = shape.ToList();
        var index = shape.Rank + axis;
        dims[index] = Dim.Of(size) with { Denotation = dims[index].Denotation };
        value.Type = type with { Shape = new TensorShape(dims) };
    }
}
