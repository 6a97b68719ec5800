namespace EdgeOpt.Onnx.Inference;

/// <summary>
/// What a rule sees of one node: input types and shapes, constant input values (tensors and tracked small int
/// vectors), attributes and the opset; and how it sets outputs (merged so known facts are never lost).
/// </summary>
internal sealed class InferenceContext(InferenceEngine engine, Node node, long opset)
{
    public Node Node { get; } = node;
    public long Opset { get; } = opset;
    public int InputCount => Node.Inputs.Count;
    public int OutputCount => Node.Outputs.Count;

    public Value? Input(int i) => i < Node.Inputs.Count ? Node.Inputs[i] : null;
    public bool HasInput(int i) => Input(i) is { Name.Length: > 0 };

    /// <summary>Whether output <paramref name="i"/> exists and is produced.</summary>
    public bool HasOutput(int i) => i < Node.Outputs.Count && Node.Outputs[i].Name.Length > 0;

    public TensorType InputType(int i)
    {
        var v = Input(i) ?? throw new InferenceFailure($"input {i} is missing");
        return v.Type switch
        {
            TensorType { ElementType: not DataType.Undefined } t => t,
            null or TensorType when v.Initializer is { } init => new TensorType(init.DataType, init.Shape),
            _ => throw new InferenceFailure($"input '{v.Name}' has no known tensor type{Upstream(v)}"),
        };
    }

    public DataType ElementType(int i) => InputType(i).ElementType;

    /// <summary>The input's shape; fails when its rank is unknown.</summary>
    public TensorShape Shape(int i)
    {
        var t = InputType(i);
        return t.Shape ?? throw new InferenceFailure($"input '{Input(i)!.Name}' has no known shape{Upstream(Input(i)!)}");
    }

    public int Rank(int i) => Shape(i).Rank;

    /// <summary>Constant values of a small integer input (elements may be symbolic, e.g. from Shape); null when not constant.</summary>
    public Dim[]? Values(int i) => Input(i) is { Name.Length: > 0 } v ? engine.KnownValues(v) : null;

    /// <summary>Constant values when every element is a known number; null otherwise.</summary>
    public long[]? ConstantInts(int i) => Values(i) is { } d && d.All(x => x.IsKnown) ? d.Select(x => x.Value!.Value).ToArray() : null;

    /// <summary>The constant tensor feeding input <paramref name="i"/> (initializer or Constant node), if any.</summary>
    public Tensor? ConstantTensor(int i) => Input(i) is { Name.Length: > 0 } v ? InferenceEngine.ConstantTensorOf(v) : null;

    public long Int(string name, long defaultValue) => Node.Attributes.GetInt(name, defaultValue);
    public long[]? Ints(string name) => Node.Attributes.GetInts(name);
    public float Float(string name, float defaultValue) => Node.Attributes.GetFloat(name, defaultValue);
    public string? String(string name) => Node.Attributes.GetString(name);

    public void SetOutput(int i, DataType type, TensorShape? shape)
    {
        if (HasOutput(i)) engine.Refine(Node.Outputs[i], new TensorType(type, shape));
    }

    public void SetOutput(int i, DataType type, IEnumerable<Dim> dims) => SetOutput(i, type, new TensorShape(dims));

    /// <summary>Sets output <paramref name="i"/> to the type and shape of input <paramref name="input"/>.</summary>
    public void PassThrough(int input, int i = 0) => SetOutput(i, ElementType(input), InputType(input).Shape);

    /// <summary>Records constant values of an output (small int tensors used as shapes).</summary>
    public void SetOutputValues(int i, Dim[] values)
    {
        if (HasOutput(i)) engine.SetKnownValues(Node.Outputs[i], values);
    }

    private string Upstream(Value v) => engine.IsUnresolved(v) ? " (it is unresolved upstream)" : "";
}
