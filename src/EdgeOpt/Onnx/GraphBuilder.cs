namespace EdgeOpt.Onnx;

/// <summary>
/// Builds models in code: inputs, initializers, nodes, outputs; generates unique value names.
/// <code>
/// var b = new GraphBuilder("net", opset: 17);
/// var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 3, 224, 224);
/// var w = b.Initializer(Tensor.Create("w", weights, 8, 3, 3, 3));
/// var y = b.Op("Conv", [x, w], ("pads", new long[] { 1, 1, 1, 1 }));
/// b.Output(b.Op("Relu", [y]), "y");
/// Model model = b.Build();
/// </code>
/// </summary>
public sealed class GraphBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);
    private readonly List<OpsetImport> _opsets = [];

    public GraphBuilder(string name = "main", long opset = 17, long irVersion = 8)
    {
        Graph = new Graph(name);
        IrVersion = irVersion;
        _opsets.Add(new OpsetImport("", opset));
    }

    public Graph Graph { get; }
    public long IrVersion { get; set; }
    public string ProducerName { get; set; } = "EdgeOpt";
    public string? DocString { get; set; }

    /// <summary>Imports another operator set (e.g. <c>com.microsoft</c>).</summary>
    public GraphBuilder Opset(string domain, long version)
    {
        _opsets.RemoveAll(o => o.Domain == domain);
        _opsets.Add(new OpsetImport(domain, version));
        return this;
    }

    /// <summary>Adds a graph input. Dims may be numbers or <see cref="Dim.Symbolic"/>.</summary>
    public Value Input(string name, DataType type, params Dim[] shape)
    {
        Reserve(name);
        var v = new Value(name, new TensorType(type, new TensorShape(shape)));
        Graph.Inputs.Add(v);
        return v;
    }

    /// <summary>Adds an input of any type (sequence, map, unknown rank...).</summary>
    public Value Input(string name, OnnxType? type)
    {
        Reserve(name);
        var v = new Value(name, type);
        Graph.Inputs.Add(v);
        return v;
    }

    /// <summary>Adds an initializer (a constant weight).</summary>
    public Value Initializer(Tensor tensor)
    {
        if (tensor.Name.Length == 0) tensor.Name = Fresh("const");
        Reserve(tensor.Name);
        return Graph.Initializers.Add(tensor);
    }

    /// <summary>Adds an initializer from values.</summary>
    public Value Initializer<T>(string name, T[] values, params long[] dims) where T : unmanaged =>
        Initializer(Tensor.Create(name, values, dims));

    /// <summary>Adds a node with one output and returns that output.</summary>
    public Value Op(string opType, Value?[] inputs, params (string Name, object Value)[] attributes) =>
        AddNode(opType, inputs, 1, attributes: attributes).Outputs[0];

    /// <summary>Adds a node and returns it; outputs get fresh names (or <paramref name="outputNames"/>).</summary>
    public Node AddNode(string opType, Value?[] inputs, int outputCount = 1, string? name = null, string domain = "",
        IReadOnlyList<string>? outputNames = null, params (string Name, object Value)[] attributes)
    {
        var outputs = new Value[outputCount];
        for (var i = 0; i < outputCount; i++)
        {
            var outName = outputNames is not null && i < outputNames.Count ? outputNames[i] : Fresh(opType.ToLowerInvariant());
            if (outName.Length > 0) Reserve(outName);
            outputs[i] = new Value(outName);
        }
        var node = new Node(opType, inputs, outputs, domain, name ?? Fresh($"{opType}_node"));
        foreach (var (attrName, value) in attributes) node.Attributes.Set(OnnxAttribute.From(attrName, value));
        Graph.AddNode(node);
        return node;
    }

    /// <summary>Marks a value as a graph output, optionally renaming it and giving it a type.</summary>
    public Value Output(Value value, string? name = null, OnnxType? type = null)
    {
        if (name is not null && name != value.Name)
        {
            Reserve(name);
            _names.Remove(value.Name);
            value.Name = name;
        }
        if (type is not null) value.Type = type;
        Graph.Outputs.Add(value);
        return value;
    }

    /// <summary>A fresh name with the given prefix, unique in this builder.</summary>
    public string Fresh(string prefix)
    {
        var n = _counters.GetValueOrDefault(prefix);
        string candidate;
        do candidate = $"{prefix}_{n++}";
        while (_names.Contains(candidate));
        _counters[prefix] = n;
        return candidate;
    }

    private void Reserve(string name)
    {
        if (!_names.Add(name)) ThrowHelper.Argument($"name '{name}' is already used in graph '{Graph.Name}'", nameof(name));
    }

    /// <summary>Wraps the graph in a model.</summary>
    public Model Build()
    {
        var model = new Model(Graph) { IrVersion = IrVersion, ProducerName = ProducerName, DocString = DocString };
        model.OpsetImports.AddRange(_opsets);
        return model;
    }
}
