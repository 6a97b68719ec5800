using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis;

/// <summary>
/// Ranks weights and activations (graph inputs and node outputs of every graph) by storage bytes. Activations
/// whose size does not resolve cannot be ranked and are skipped; Constant outputs appear once, as constants.
/// </summary>
internal static class TensorRanking
{
    public static IReadOnlyList<TensorSummary> Largest(Model model, IReadOnlyList<WeightTensor> weights, ShapeResolver shapes, int count)
    {
        if (count <= 0) return [];
        var candidates = new List<TensorSummary>();
        foreach (var w in weights)
            candidates.Add(new TensorSummary(w.Name, w.Kind, w.DataType, [.. w.Dims.Select(Dim.Of)], w.Elements, w.Bytes));
        foreach (var graph in model.Graph.AllGraphs())
        {
            foreach (var input in graph.Inputs)
                if (!input.IsInitializer) AddActivation(input, TensorKind.Input);
            foreach (var node in graph.Nodes)
            {
                if (node.OpType == "Constant" && node.IsOnnxDomain) continue;
                foreach (var output in node.Outputs)
                    if (output.Name.Length > 0) AddActivation(output, TensorKind.Activation);
            }
        }
        return [.. candidates
            .OrderByDescending(t => t.Bytes)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .Take(count)];

        void AddActivation(Value v, TensorKind kind)
        {
            if (v.ElementType is not { } type || v.Shape is not { } shape || shapes.Elements(v) is not { } n || shapes.Bytes(v) is not { } bytes) return;
            candidates.Add(new TensorSummary(v.Name, kind, type, [.. shape], n, bytes));
        }
    }
}
