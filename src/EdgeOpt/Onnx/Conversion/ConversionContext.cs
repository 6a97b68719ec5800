namespace EdgeOpt.Onnx.Conversion;

/// <summary>
/// What adapters share while converting one model: both opsets, fresh names, the types of the original values
/// (inferred once, on demand) and helpers that add constants and nodes in the target opset's form.
/// </summary>
internal sealed class ConversionContext(Model original, Model work, long source, int target)
{
    private InferredTypes? _inferred;
    private readonly List<Value> _detached = [];

    public Model Model { get; } = work;
    public long Source { get; } = source;
    public int Target { get; } = target;
    public UniqueNames Names { get; } = new(work);

    /// <summary>Throws the error users see: which node, which op, which opsets, what blocks it.</summary>
    public void Refuse(Node node, string reason) =>
        ThrowHelper.Unsupported($"cannot convert node {node.DisplayName} from opset {Source} to {Target}: {reason}");

    public TensorType? TypeOf(Value value)
    {
        if (value.Type is TensorType { ElementType: not DataType.Undefined, Shape: not null } t) return t;
        if (value.Initializer is { } init) return new TensorType(init.DataType, init.Shape);
        if (Inferred()[value.Name] is TensorType inferred) return inferred;
        return value.Type as TensorType;
    }

    public int? RankOf(Value value) => TypeOf(value)?.Shape?.Rank;

    public DataType? ElementTypeOf(Value value) => TypeOf(value) is { ElementType: not DataType.Undefined and var e } ? e : null;

    /// <summary>The element type of <paramref name="value"/>, or a refusal naming it.</summary>
    public DataType RequireElementType(Node node, Value value)
    {
        if (ElementTypeOf(value) is { } t) return t;
        Refuse(node, $"the element type of input '{value.Name}' is unknown ({UnknownBecause()})");
        return DataType.Undefined;
    }

    /// <summary>The rank of <paramref name="value"/>, or a refusal naming it.</summary>
    public int RequireRank(Node node, Value value)
    {
        if (RankOf(value) is { } r) return r;
        Refuse(node, $"the rank of input '{value.Name}' is unknown ({UnknownBecause()})");
        return 0;
    }

    /// <summary>The payload of a value fixed at conversion time: an initializer or a Constant node's output.</summary>
    public static Tensor? ConstantOf(Value? value)
    {
        if (value is null) return null;
        if (value.Initializer is { } t) return t;
        if (value.Producer is not { OpType: "Constant", IsOnnxDomain: true } p) return null;
        var a = p.Attributes;
        // Matched by kind: a value_* attribute of another kind (a malformed Constant) is no constant here.
        if (a["value"] is { Value: Tensor v }) return v;
        if (a["value_float"] is { Value: float f }) return Tensor.Scalar(value.Name, f);
        if (a["value_floats"] is { Value: float[] fs }) return Tensor.Create<float>(value.Name, fs, fs.Length);
        if (a["value_int"] is { Value: long i }) return Tensor.Scalar(value.Name, i);
        if (a["value_ints"] is { Value: long[] ins }) return Tensor.Create<long>(value.Name, ins, ins.Length);
        return null;
    }

    /// <summary>Adds a constant next to <paramref name="anchor"/> (its graph) under a fresh name.</summary>
    public Value AddConstant(Node anchor, string stem, Tensor tensor)
    {
        var graph = anchor.Graph!;
        var value = graph.Initializers.Add(tensor.WithName(Names.Fresh(stem)));
        // IR < 4 requires every initializer to be listed as a graph input too.
        if (Model.IrVersion < 4) graph.Inputs.Add(value);
        return value;
    }

    public Value Int64s(Node anchor, string stem, long[] values) =>
        AddConstant(anchor, stem, Tensor.Create<long>(stem, values, values.Length));

    /// <summary>A scalar of <paramref name="type"/> holding <paramref name="value"/>.</summary>
    public Value Scalar(Node anchor, string stem, DataType type, double value) =>
        AddConstant(anchor, stem, TensorFactory.Scalar(stem, type, value));

    /// <summary>Sets input <paramref name="index"/>, padding with omitted inputs as needed.</summary>
    public static void SetInputAt(Node node, int index, Value? value)
    {
        while (node.Inputs.Count <= index) node.AddInput(null);
        node.SetInput(index, value);
    }

    public static Value? InputAt(Node node, int index) => index < node.Inputs.Count ? node.Inputs[index] : null;

    /// <summary>Input <paramref name="index"/>, which the operator requires: a node without it is malformed and refused by name.</summary>
    public Value Input(Node node, int index) => InputAt(node, index) ?? Malformed<Value>(node, $"input {index} is missing; {node.OpType} requires it");

    /// <summary>Output <paramref name="index"/>, which the operator requires: a node without it is malformed and refused by name.</summary>
    public Value Output(Node node, int index) => index < node.Outputs.Count ? node.Outputs[index]
        : Malformed<Value>(node, $"output {index} is missing; {node.OpType} has it");

    /// <summary>The value of <paramref name="attribute"/> as <typeparamref name="T"/>; another kind is a malformed node, refused by name.</summary>
    public T AttributeValue<T>(Node node, OnnxAttribute attribute, AttributeKind expected) => attribute.Value is T v ? v
        : Malformed<T>(node, $"attribute '{attribute.Name}' is {KindName(attribute.Kind)}; {node.OpType} needs {KindName(expected)}");

    /// <summary>An attribute kind as ONNX spells it (<c>INTS</c>, <c>FLOAT</c>, ...).</summary>
    public static string KindName(AttributeKind? kind) => kind is { } k ? k.ToString().ToUpperInvariant() : "absent";

    /// <summary>Refuses a node that breaks its operator's own signature (a missing required input, an attribute of the wrong kind).</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public T Malformed<T>(Node node, string reason) =>
        throw new ModelFormatException($"cannot convert node {node.DisplayName} from opset {Source} to {Target}: the node is malformed: {reason}");

    /// <summary>
    /// A constant (<see cref="ConstantOf"/>) usable as numbers: not strings, and with at least <paramref name="minElements"/>
    /// elements; otherwise a refusal naming the input and what it holds.
    /// </summary>
    public Tensor NumericConstant(Node node, Value input, Tensor t, string attribute, int minElements)
    {
        if (t.DataType is DataType.String or DataType.Undefined || !t.DataType.IsFixedSize())
            Refuse(node, $"input '{input.Name}' holds {t.DataType.OnnxName()} values, which the attribute '{attribute}' cannot take");
        if (t.ElementCount < minElements)
            Refuse(node, $"input '{input.Name}' holds {t.ElementCount} values, but the attribute '{attribute}' needs {minElements}");
        return t;
    }

    /// <summary>Detaches input <paramref name="index"/>; a constant left unused is removed at the end.</summary>
    public void DetachInput(Node node, int index)
    {
        if (InputAt(node, index) is not { } old) return;
        node.SetInput(index, null);
        _detached.Add(old);
    }

    public static void TrimTrailingEmptyInputs(Node node)
    {
        var count = node.Inputs.Count;
        while (count > 0 && node.Inputs[count - 1] is null) count--;
        node.TruncateInputs(count);
    }

    /// <summary>Inserts a single-output node before <paramref name="anchor"/> and returns its output.</summary>
    public Value InsertBefore(Node anchor, string opType, Value?[] inputs, params (string Name, object Value)[] attributes)
    {
        var output = new Value(Names.Fresh(opType.ToLowerInvariant()));
        var node = new Node(opType, inputs, [output], name: Names.Fresh(opType));
        foreach (var (name, value) in attributes) node.Attributes.Set(name, value);
        anchor.Graph!.InsertBefore(anchor, node);
        return output;
    }

    /// <summary>Unsqueeze in the target opset's form (axes attribute before 13, input from 13).</summary>
    public Value Unsqueeze(Node anchor, Value input, long[] axes) => Target >= 13
        ? InsertBefore(anchor, "Unsqueeze", [input, Int64s(anchor, "axes", axes)])
        : InsertBefore(anchor, "Unsqueeze", [input], ("axes", axes));

    /// <summary>Moves the node's outputs beyond <paramref name="count"/> away; they must be unused.</summary>
    public void DropOutputs(Node node, int count, string why)
    {
        if (node.Outputs.Count <= count) return;
        for (var i = count; i < node.Outputs.Count; i++)
        {
            var o = node.Outputs[i];
            if (o.Name.Length > 0 && (o.Uses.Count > 0 || o.IsGraphOutput))
                Refuse(node, $"output '{o.Name}' is used, but {why}");
        }
        var replacement = new Node(node.OpType, node.Inputs, [], node.Domain, node.Name) { DocString = node.DocString };
        foreach (var a in node.Attributes) replacement.Attributes.Set(a);
        var outputs = node.Outputs.Take(count).ToArray();
        for (var i = 0; i < outputs.Length; i++) node.SetOutput(i, new Value(""));
        foreach (var o in outputs) replacement.AddOutput(o);
        node.Graph!.InsertBefore(node, replacement);
        node.Graph!.RemoveNode(node, force: true);
        Replaced[node] = replacement;
    }

    /// <summary>Nodes swapped for a rebuilt copy (see <see cref="DropOutputs"/>); the converter follows these.</summary>
    public Dictionary<Node, Node> Replaced { get; } = [];

    /// <summary>Removes constants (initializers, Constant nodes) that adapters detached and nothing uses any more.</summary>
    public void RemoveDeadConstants()
    {
        foreach (var v in _detached.Distinct())
        {
            if (v.Uses.Count > 0 || v.IsGraphOutput) continue;
            if (v.Producer is { OpType: "Constant" } p && p.Graph is { } g) g.RemoveNode(p);
            else if (v.Initializer is not null && v.Graph is { } ig && !(v.IsGraphInput && Model.IrVersion >= 4))
            {
                ig.Initializers.Remove(v);
                ig.Inputs.Remove(v);
            }
        }
    }

    /// <summary>Types of the original model's values, inferred once, on a copy, when an adapter first needs one.</summary>
    private InferredTypes Inferred() => _inferred ??= InferredTypes.Of(original);

    /// <summary>Why a type is unknown, for refusals: inference found none, or it stopped early and why.</summary>
    private string UnknownBecause() => _inferred?.Failure is { } failure
        ? $"shape inference could not derive it: {failure}"
        : "shape inference could not derive it";
}
