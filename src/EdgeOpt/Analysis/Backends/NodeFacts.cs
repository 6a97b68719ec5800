using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis.Backends;

/// <summary>What the backend rules ask about one node: constant inputs, ranks, element types, static shapes, attributes.</summary>
internal sealed class NodeFacts(Node node, long opset)
{
    public Node Node { get; } = node;

    /// <summary>The model's default-domain opset (the version the node's kernel is resolved at).</summary>
    public long Opset { get; } = opset;

    public string OpType => Node.OpType;

    public bool HasInput(int index) => index < Node.Inputs.Count && Node.Inputs[index] is { Name.Length: > 0 };

    /// <summary>
    /// A constant the backend can read at session creation: an initializer that is not also a graph input (those can be
    /// overridden at run time, so ORT treats them as non-constant), or a Constant node's output.
    /// </summary>
    public bool IsConstant(int index) => HasInput(index) && Node.Inputs[index] is { } v &&
        ((v.IsInitializer && !v.IsGraphInput) || v.Producer is { OpType: "Constant" });

    public string InputName(int index) => HasInput(index) ? Node.Inputs[index]!.Name : $"#{index}";

    public int? Rank(int index) => HasInput(index) ? Node.Inputs[index]!.Shape?.Rank : null;

    public DataType? InputType(int index) => HasInput(index) ? Node.Inputs[index]!.ElementType : null;

    /// <summary>Non-constant inputs and all outputs: the tensors the backend computes on.</summary>
    public IEnumerable<Value> ComputedValues()
    {
        for (var i = 0; i < Node.Inputs.Count; i++)
            if (HasInput(i) && !IsConstant(i)) yield return Node.Inputs[i]!;
        foreach (var o in Node.Outputs)
            if (o.Name.Length > 0) yield return o;
    }

    /// <summary>The first computed tensor whose shape is not fully known, or null when all are static.</summary>
    public Value? FirstDynamic() => ComputedValues().FirstOrDefault(v => v.Type is TensorType && v.Shape is not { IsStatic: true });

    public long Int(string name, long fallback) => Node.Attributes[name] is { Kind: AttributeKind.Int } a ? a.AsInt() : fallback;

    public string Str(string name, string fallback) => Node.Attributes[name] is { Kind: AttributeKind.String } a ? a.AsString() : fallback;

    public static string ShapeText(Value v) => v.Shape?.ToString() ?? "of unknown rank";
}
