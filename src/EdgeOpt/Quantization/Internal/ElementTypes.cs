using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Inference;

namespace EdgeOpt.Quantization.Internal;

/// <summary>
/// Element types of values that shape inference left untyped, typically inside If/Loop/Scan bodies, where exporters
/// write no value_info and a rule missing for one operator leaves everything after it untyped. Only the element
/// type is needed to decide precision (float16 conversion), so it is derived by a simpler rule: a declared type
/// wins; a constant has its tensor's type; an operator that names its output type (Cast <c>to</c>, <c>dtype</c>)
/// or always produces one (Shape: int64, Equal: bool, ...) gives that; control flow gives its body's output type;
/// everything else follows its first typed input (elementwise, shape and recurrent operators do).
/// </summary>
internal sealed class ElementTypes
{
    private static readonly HashSet<string> Int64Outputs = ["Shape", "Size", "NonZero", "ArgMax", "ArgMin", "NonMaxSuppression"];
    private static readonly HashSet<string> BoolOutputs = ["Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf"];
    private static readonly string[] TypeAttributes = ["to", "dtype", "output_datatype"];

    private readonly Dictionary<Value, DataType> _derived = [];

    private ElementTypes() { }

    /// <summary>
    /// Derives every value's type in <paramref name="graph"/> and its bodies now, before any edit changes what they
    /// follow. Sweeps all nodes until nothing changes, so the order of bodies and captures does not matter.
    /// </summary>
    public static ElementTypes Snapshot(Graph graph)
    {
        var types = new ElementTypes();
        var nodes = graph.AllNodes().ToList();
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var node in nodes)
                for (var i = 0; i < node.Outputs.Count; i++)
                {
                    var output = node.Outputs[i];
                    if (!types.IsOpen(output) || types.Derive(node, i) is not { } type) continue;
                    types._derived[output] = type;
                    changed = true;
                }
            foreach (var body in graph.AllGraphs())
                foreach (var input in body.Inputs)
                    if (types.IsOpen(input) && types.FromParent(input) is { } type)
                    {
                        types._derived[input] = type;
                        changed = true;
                    }
        }
        return types;
    }

    /// <summary>Whether <paramref name="value"/> is an untyped tensor (or of unknown kind) with no type derived yet.</summary>
    private bool IsOpen(Value value) => value.Type is null or EmptyType or TensorType { ElementType: DataType.Undefined }
        && value.Initializer is null && !_derived.ContainsKey(value);

    /// <summary>The element type of <paramref name="value"/>, or null when nothing tells it.</summary>
    public DataType? Of(Value value)
    {
        if (value.Type is TensorType { ElementType: var declared } && declared != DataType.Undefined) return declared;
        if (value.Type is not (null or TensorType or EmptyType)) return null; // sequences, maps, optionals
        if (value.Initializer is { } t) return t.DataType;
        return _derived.TryGetValue(value, out var derived) ? derived : null;
    }

    private DataType? Derive(Node node, int index)
    {
        if (node.OpType == "Constant" && node.IsOnnxDomain) return ConstantInference.TensorOf(node)?.DataType;
        foreach (var name in TypeAttributes)
            if (node.Attributes[name] is { Value: long type } && type != 0) return (DataType)type;
        if (node.IsOnnxDomain && Int64Outputs.Contains(node.OpType)) return DataType.Int64;
        if (node.IsOnnxDomain && BoolOutputs.Contains(node.OpType)) return DataType.Bool;
        switch (node.OpType)
        {
            case "If":
                return node.Attributes["then_branch"]?.Value is Graph then && index < then.Outputs.Count ? Of(then.Outputs[index])
                    : null;
            case "Loop":
                return node.Attributes["body"]?.Value is Graph body && index + 1 < body.Outputs.Count ? Of(body.Outputs[index + 1]) : null;
            case "Scan":
                return node.Attributes["body"]?.Value is Graph scan && index < scan.Outputs.Count ? Of(scan.Outputs[index]) : null;
            case "ConstantOfShape":
                return node.Attributes["value"]?.Value is Tensor fill ? fill.DataType : DataType.Float;
            case "Where":
                return node.Inputs.ElementAtOrDefault(1) is { } x ? Of(x) : null;
        }
        // LSTM/GRU/RNN outputs and elementwise, shape and indexing results follow their data input, the first one.
        return node.Inputs.FirstOrDefault(v => v is not null) is { } first ? Of(first) : null;
    }

    /// <summary>A Loop or Scan body input takes the type of what the node passes in (Loop: iteration count int64, condition bool).</summary>
    private DataType? FromParent(Value input)
    {
        if (input.Graph is not { ParentNode: { } parent } body) return null;
        var index = body.Inputs.IndexOf(input);
        return parent.OpType switch
        {
            "Loop" when index == 0 => DataType.Int64,
            "Loop" when index == 1 => DataType.Bool,
            "Loop" when parent.Inputs.ElementAtOrDefault(index) is { } outer => Of(outer),
            "Scan" when parent.Inputs.ElementAtOrDefault(index) is { } outer => Of(outer),
            _ => null,
        };
    }
}
