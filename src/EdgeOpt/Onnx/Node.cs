namespace EdgeOpt.Onnx;

/// <summary>
/// An operator application. Inputs may be null (an omitted optional input); outputs are values this node
/// produces (an output with an empty name is an optional output not produced).
/// </summary>
public sealed class Node
{
    private readonly List<Value?> _inputs = [];
    private readonly List<Value> _outputs = [];

    public Node(string opType, IEnumerable<Value?> inputs, IEnumerable<Value> outputs, string domain = "", string name = "")
    {
        OpType = opType;
        Domain = domain;
        Name = name;
        Attributes = new AttributeCollection(this);
        foreach (var input in inputs) AddInput(input);
        foreach (var output in outputs) AddOutput(output);
    }

    public string Name { get; set; }
    public string OpType { get; set; }

    /// <summary>Operator domain; "" (or "ai.onnx") is the default ONNX domain.</summary>
    public string Domain { get; set; }

    /// <summary>Function overload identifier (IR 10).</summary>
    public string Overload { get; set; } = "";

    public string? DocString { get; set; }
    public List<KeyValuePair<string, string>> MetadataProps { get; } = [];

    /// <summary>Unparsed <c>device_configurations</c> entries (IR 11), kept for round trips.</summary>
    public List<ReadOnlyMemory<byte>> DeviceConfigurations { get; } = [];

    public AttributeCollection Attributes { get; }
    public IReadOnlyList<Value?> Inputs => _inputs;
    public IReadOnlyList<Value> Outputs => _outputs;

    /// <summary>The graph containing this node (null while detached).</summary>
    public Graph? Graph { get; internal set; }

    /// <summary>Whether the domain is the default ONNX one.</summary>
    public bool IsOnnxDomain => Domain is "" or "ai.onnx";

    /// <summary>Subgraphs held by this node's attributes (If branches, Loop/Scan bodies).</summary>
    public IEnumerable<Graph> Subgraphs => Attributes.SelectMany(a => a.Subgraphs);

    /// <summary>A readable identifier for messages: the name if any, else the op and first output.</summary>
    public string DisplayName => Name.Length > 0 ? $"'{Name}' ({OpType})" : $"{OpType} -> '{(_outputs.Count > 0 ? _outputs[0].Name : "")}'";

    public void AddInput(Value? value)
    {
        _inputs.Add(value);
        value?.AddUse(this, _inputs.Count - 1);
    }

    public void SetInput(int index, Value? value)
    {
        _inputs[index]?.RemoveUse(this, index);
        _inputs[index] = value;
        value?.AddUse(this, index);
    }

    /// <summary>Removes trailing inputs so that <paramref name="count"/> remain.</summary>
    public void TruncateInputs(int count)
    {
        for (var i = _inputs.Count - 1; i >= count; i--)
        {
            _inputs[i]?.RemoveUse(this, i);
            _inputs.RemoveAt(i);
        }
    }

    /// <summary>Removes input <paramref name="index"/>, shifting later inputs down.</summary>
    public void RemoveInput(int index)
    {
        var rest = _inputs.Skip(index + 1).ToArray();
        TruncateInputs(index);
        foreach (var v in rest) AddInput(v);
    }

    /// <summary>Detaches every input (used when a node is removed).</summary>
    public void ClearInputs() => TruncateInputs(0);

    public void AddOutput(Value value)
    {
        if (value.Producer is not null && !ReferenceEquals(value.Producer, this))
            ThrowHelper.InvalidOperation($"value '{value.Name}' is already produced by {value.Producer.DisplayName}");
        _outputs.Add(value);
        value.Producer = this;
        value.OutputIndex = _outputs.Count - 1;
    }

    /// <summary>Replaces output <paramref name="index"/> with a fresh value (the old one loses its producer).</summary>
    public void SetOutput(int index, Value value)
    {
        var old = _outputs[index];
        old.Producer = null;
        old.OutputIndex = -1;
        _outputs[index] = value;
        value.Producer = this;
        value.OutputIndex = index;
    }

    public override string ToString() =>
        $"{string.Join(", ", _outputs.Select(o => o.Name))} = {(IsOnnxDomain ? "" : Domain + ".")}{OpType}({string.Join(", ", _inputs.Select(i => i?.Name ?? ""))})";
}
