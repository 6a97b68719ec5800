namespace EdgeOpt.Onnx;

/// <summary>A use of a value: input <see cref="Index"/> of <see cref="Node"/>.</summary>
public readonly record struct Usage(Node Node, int Index);

/// <summary>
/// A named value in a graph: a graph input, an initializer (constant), or a node output. Knows its producer and
/// its consumers (use-def links), including consumers inside subgraphs that capture it from an outer scope.
/// </summary>
public sealed class Value
{
    private readonly List<Usage> _uses = [];

    public Value(string name, OnnxType? type = null)
    {
        Name = name;
        Type = type;
    }

    /// <summary>The name; empty for an optional node output that is not produced.</summary>
    public string Name { get; set; }

    public OnnxType? Type { get; set; }
    public string? DocString { get; set; }
    public List<KeyValuePair<string, string>> MetadataProps { get; } = [];

    /// <summary>The node producing this value, or null for graph inputs and initializers.</summary>
    public Node? Producer { get; internal set; }

    /// <summary>Which output of <see cref="Producer"/> this is.</summary>
    public int OutputIndex { get; internal set; } = -1;

    /// <summary>The constant payload when this value is an initializer.</summary>
    public Tensor? Initializer { get; internal set; }

    /// <summary>The sparse constant payload when this value is a sparse initializer.</summary>
    public SparseTensor? SparseInitializer { get; internal set; }

    /// <summary>The graph whose scope defines this value (inputs and initializers; node outputs via their node).</summary>
    public Graph? Graph { get; internal set; }

    /// <summary>Every consumer of this value.</summary>
    public IReadOnlyList<Usage> Uses => _uses;

    public bool IsInitializer => Initializer is not null || SparseInitializer is not null;
    public bool IsGraphInput => Graph is { } g && g.Inputs.Contains(this);
    public bool IsGraphOutput => OwningGraph is { } g && g.Outputs.Contains(this);

    /// <summary>The graph that defines this value (via its producer for node outputs).</summary>
    public Graph? OwningGraph => Producer?.Graph ?? Graph;

    /// <summary>The element type when this is a tensor with a known type.</summary>
    public DataType? ElementType => Type switch
    {
        TensorType t => t.ElementType,
        SparseTensorType s => s.ElementType,
        _ => Initializer?.DataType,
    };

    /// <summary>The tensor shape when known (from the type, or an initializer's dims).</summary>
    public TensorShape? Shape => Type switch
    {
        TensorType { Shape: { } s } => s,
        _ => Initializer?.Shape,
    };

    internal void AddUse(Node node, int index) => _uses.Add(new Usage(node, index));
    internal void RemoveUse(Node node, int index) => _uses.Remove(new Usage(node, index));

    /// <summary>Points every consumer (and graph output slot) of this value at <paramref name="replacement"/>.</summary>
    public void ReplaceAllUsesWith(Value replacement)
    {
        if (ReferenceEquals(replacement, this)) return;
        foreach (var use in _uses.ToArray()) use.Node.SetInput(use.Index, replacement);
        if (OwningGraph is { } g)
            for (var i = 0; i < g.Outputs.Count; i++)
                if (ReferenceEquals(g.Outputs[i], this)) g.Outputs[i] = replacement;
    }

    public override string ToString() => $"%{Name}{(Type is null ? "" : ": " + Type)}";
}
