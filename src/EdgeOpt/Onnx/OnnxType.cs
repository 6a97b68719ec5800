namespace EdgeOpt.Onnx;

/// <summary>The type of a value (ONNX <c>TypeProto</c>): tensor, sparse tensor, sequence, map, optional or opaque.</summary>
public abstract record OnnxType
{
    /// <summary>ONNX type denotation (e.g. <c>IMAGE</c>), rarely set.</summary>
    public string? Denotation { get; init; }
}

/// <summary>A dense tensor; <see cref="Shape"/> null means the rank is unknown.</summary>
public sealed record TensorType(DataType ElementType, TensorShape? Shape) : OnnxType
{
    public override string ToString() => $"{ElementType.OnnxName()}{Shape?.ToString() ?? "[?]"}";
}

/// <summary>A sparse tensor.</summary>
public sealed record SparseTensorType(DataType ElementType, TensorShape? Shape) : OnnxType
{
    public override string ToString() => $"sparse {ElementType.OnnxName()}{Shape?.ToString() ?? "[?]"}";
}

/// <summary>A sequence of values of one type.</summary>
public sealed record SequenceType(OnnxType? ElementType) : OnnxType
{
    public override string ToString() => $"seq({ElementType})";
}

/// <summary>A map from a scalar key type to values.</summary>
public sealed record MapType(DataType KeyType, OnnxType? ValueType) : OnnxType
{
    public override string ToString() => $"map({KeyType.OnnxName()},{ValueType})";
}

/// <summary>An optional value.</summary>
public sealed record OptionalType(OnnxType? ElementType) : OnnxType
{
    public override string ToString() => $"optional({ElementType})";
}

/// <summary>An opaque (ONNX-ML) type, kept as is.</summary>
public sealed record OpaqueType(string Domain, string Name) : OnnxType
{
    public override string ToString() => $"opaque({Domain}.{Name})";
}

/// <summary>A <c>TypeProto</c> with no variant set; kept so it round-trips.</summary>
public sealed record EmptyType : OnnxType
{
    public override string ToString() => "?";
}
