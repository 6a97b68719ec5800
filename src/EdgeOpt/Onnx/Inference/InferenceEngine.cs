namespace EdgeOpt.Onnx.Inference;

/// <summary>
/// Walks a graph in dependency order (subgraph bodies before their node) and applies each operator's rule,
/// merging results into <see cref="Value.Type"/> and tracking small integer constants for shape subgraphs.
/// </summary>
internal sealed class InferenceEngine(long opset)
{
    /// <summary>Largest integer constant tracked by value (shape vectors are tiny; weights are not).</summary>
    private const int MaxTrackedElements = 64;

    private readonly Dictionary<Value, Dim[]> _values = [];
    private readonly HashSet<Value> _refined = [];
    private readonly Dictionary<Value, UnresolvedValue> _unresolved = [];

    public int RefinedCount => _refined.Count;

    /// <summary>Values of small integer tensors derived along the way (shape arithmetic), symbols included.</summary>
    public IReadOnlyDictionary<Value, Dim[]> TrackedValues => _values;
    public IReadOnlyCollection<UnresolvedValue> Unresolved => _unresolved.Values;

    public void InferGraph(Graph graph)
    {
        foreach (var node in graph.TopologicalOrder()) InferNode(node);
    }

    public void InferNode(Node node)
    {
        foreach (var g in node.Subgraphs) InferGraph(g);
        string? failure = null;
        if (OperatorRules.Find(node) is { } rule)
        {
            try
            {
                rule(new InferenceContext(this, node, OpsetOf(node)));
            }
            catch (InferenceFailure e)
            {
                failure = e.Message;
            }
            catch (OverflowException)
            {
                failure = "a dimension overflows int64";
            }
        }
        else
        {
            failure = $"no shape rule for operator {(node.IsOnnxDomain ? "" : node.Domain + ".")}{node.OpType}";
        }
        foreach (var o in node.Outputs)
        {
            if (o.Name.Length == 0) continue;
            if (IsResolved(o.Type))
            {
                _unresolved.Remove(o);
                continue;
            }
            var reason = failure ?? (o.Type is TensorType { Shape: { } s }
                ? $"shape {s} has dims that depend on unknown input dims or values"
                : "the rule could not determine its shape");
            _unresolved[o] = new UnresolvedValue(o.Name, node.Name, node.OpType, reason);
        }
    }

    private long OpsetOf(Node node) => node.IsOnnxDomain ? opset : 1;

    public bool IsUnresolved(Value v) => _unresolved.ContainsKey(v);

    /// <summary>Marks a value as resolved by other means (the runtime probe).</summary>
    public void MarkResolved(Value v)
    {
        _unresolved.Remove(v);
        _refined.Add(v);
    }

    /// <summary>Whether a type is complete: an element type and every dim known or symbolic.</summary>
    public static bool IsResolved(OnnxType? type) => type switch
    {
        null => false,
        TensorType t => t.ElementType != DataType.Undefined && t.Shape is { } s && s.All(d => d.IsKnown || d.IsSymbolic),
        _ => true,
    };

    /// <summary>Merges <paramref name="inferred"/> into the value's type without losing anything already known.</summary>
    public void Refine(Value value, TensorType inferred)
    {
        var merged = Merge(value.Type, inferred);
        if (Equals(merged, value.Type)) return;
        value.Type = merged;
        _refined.Add(value);
    }

    internal static OnnxType? Merge(OnnxType? existing, TensorType inferred)
    {
        if (existing is not (null or TensorType)) return existing;
        if (existing is not TensorType e) return inferred;
        var element = e.ElementType != DataType.Undefined ? e.ElementType : inferred.ElementType;
        TensorShape? shape;
        if (e.Shape is null) shape = inferred.Shape;
        else if (inferred.Shape is null || inferred.Shape.Rank != e.Shape.Rank) shape = e.Shape;
        else shape = new TensorShape(e.Shape.Zip(inferred.Shape, Pick));
        return e with { ElementType = element, Shape = shape };

        // Known beats symbolic beats unknown; a declared value wins over a differing inferred one.
        static Dim Pick(Dim declared, Dim found) =>
            declared.IsKnown ? declared
            : found.IsKnown ? found with { Denotation = declared.Denotation }
            : declared.IsSymbolic ? declared
            : found with { Denotation = declared.Denotation };
    }

    public Dim[]? KnownValues(Value v)
    {
        if (_values.TryGetValue(v, out var known)) return known;
        if (ConstantTensorOf(v) is { } t && t.Dims.Count <= 1 && t.ElementCount <= MaxTrackedElements && IsInteger(t.DataType))
        {
            known = t.ToInt64Array().Select(Dim.Of).ToArray();
            _values[v] = known;
            return known;
        }
        return null;
    }

    public void SetKnownValues(Value v, Dim[] values)
    {
        if (values.Length <= MaxTrackedElements) _values[v] = values;
    }

    /// <summary>The constant tensor behind a value: an initializer or the output of a Constant node.</summary>
    public static Tensor? ConstantTensorOf(Value v) =>
        v.Initializer ?? (v.Producer is { OpType: "Constant", IsOnnxDomain: true } p ? ConstantInference.TensorOf(p) : null);

    private static bool IsInteger(DataType t) => t is DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8
        or DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64 or DataType.Bool;
}
