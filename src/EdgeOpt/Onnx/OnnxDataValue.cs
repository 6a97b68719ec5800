namespace EdgeOpt.Onnx;

/// <summary>What an <see cref="OnnxDataValue"/> holds; values equal the <c>elem_type</c> codes of ONNX <c>SequenceProto</c>/<c>OptionalProto</c>.</summary>
public enum OnnxDataKind
{
    Undefined = 0,
    Tensor = 1,
    SparseTensor = 2,
    Sequence = 3,
    Map = 4,
    Optional = 5,
}

/// <summary>
/// A runtime value as ONNX test data and model inputs/outputs carry it: a tensor, a sequence of values, or an
/// optional value that may be empty (ONNX <c>TensorProto</c>, <c>SequenceProto</c>, <c>OptionalProto</c>).
/// </summary>
public sealed class OnnxDataValue
{
    private readonly OnnxDataValue[] _elements;

    private OnnxDataValue(OnnxDataKind kind, string name, OnnxDataKind elementKind, Tensor? tensor, OnnxDataValue[] elements)
    {
        Kind = kind;
        Name = name;
        ElementKind = elementKind;
        Tensor = tensor;
        _elements = elements;
    }

    public OnnxDataKind Kind { get; }

    /// <summary>The value's name (the tensor's name for a tensor; may be empty).</summary>
    public string Name { get; }

    /// <summary>For a sequence or optional: the kind of its elements (kept even when there are none).</summary>
    public OnnxDataKind ElementKind { get; }

    /// <summary>The tensor when <see cref="Kind"/> is <see cref="OnnxDataKind.Tensor"/>.</summary>
    public Tensor? Tensor { get; }

    /// <summary>A sequence's elements, or an optional's single element when it has one.</summary>
    public IReadOnlyList<OnnxDataValue> Elements => _elements;

    /// <summary>Whether an optional holds a value (always true for tensors and sequences).</summary>
    public bool HasValue => Kind != OnnxDataKind.Optional || _elements.Length > 0;

    public static OnnxDataValue FromTensor(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return new(OnnxDataKind.Tensor, tensor.Name, OnnxDataKind.Undefined, tensor, []);
    }

    /// <summary>A sequence; <paramref name="elementKind"/> is needed because a sequence may be empty.</summary>
    public static OnnxDataValue Sequence(string name, OnnxDataKind elementKind, IEnumerable<OnnxDataValue> elements)
    {
        var items = elements.ToArray();
        foreach (var e in items)
            if (e.Kind != elementKind)
                ThrowHelper.Argument($"sequence '{name}' holds {elementKind} elements, not {e.Kind}", nameof(elements));
        return new(OnnxDataKind.Sequence, name, elementKind, null, items);
    }

    /// <summary>An optional holding <paramref name="value"/>, or empty (ONNX None) when it is null.</summary>
    public static OnnxDataValue Optional(string name, OnnxDataKind elementKind, OnnxDataValue? value)
    {
        if (value is not null && value.Kind != elementKind)
            ThrowHelper.Argument($"optional '{name}' holds {elementKind}, not {value.Kind}", nameof(value));
        return new(OnnxDataKind.Optional, name, elementKind, null, value is null ? [] : [value]);
    }

    public override string ToString() => Kind switch
    {
        OnnxDataKind.Tensor => Tensor!.ToString(),
        OnnxDataKind.Sequence => $"{Name}: seq<{ElementKind}>[{_elements.Length}]",
        _ => $"{Name}: optional<{ElementKind}>({(HasValue ? _elements[0].ToString() : "none")})",
    };
}
