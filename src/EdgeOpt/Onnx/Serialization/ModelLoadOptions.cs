namespace EdgeOpt.Onnx.Serialization;

/// <summary>Safety limits and checks applied when loading a model.</summary>
public sealed record ModelLoadOptions
{
    public static ModelLoadOptions Default { get; } = new();

    /// <summary>Deepest allowed nesting of subgraphs (If/Loop/Scan inside each other). Real models rarely exceed 5.</summary>
    public int MaxSubgraphDepth { get; init; } = 32;

    /// <summary>
    /// Deepest allowed nesting of protobuf messages of any kind (guards the parser's stack). Each subgraph level
    /// costs three messages (graph, node, attribute), so the default leaves room for a graph at the subgraph limit.
    /// </summary>
    public int MaxMessageDepth { get; init; } = 128;

    /// <summary>Check that node inputs refer to defined values and that the graph has no cycle.</summary>
    public bool ValidateGraph { get; init; } = true;
}
