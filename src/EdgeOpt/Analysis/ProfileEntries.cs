using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis;

/// <summary>What a listed tensor is.</summary>
public enum TensorKind
{
    /// <summary>An initializer (stored weight).</summary>
    Weight,

    /// <summary>The payload of a Constant node.</summary>
    Constant,

    /// <summary>A graph input.</summary>
    Input,

    /// <summary>A node output computed at run time.</summary>
    Activation,
}

/// <summary>A graph input or output: name, element type and shape (symbolic dims kept as symbols).</summary>
/// <param name="Name">The value's name.</param>
/// <param name="Type">The full ONNX type as text, e.g. <c>float[N,3,224,224]</c>; "?" when unknown.</param>
/// <param name="ElementType">Null for non-tensor or untyped values.</param>
/// <param name="Shape">Null when the rank is unknown.</param>
public sealed record ValueSummary(string Name, string Type, DataType? ElementType, IReadOnlyList<Dim>? Shape);

/// <summary>Weights of one data type: how many tensors, elements and bytes.</summary>
public sealed record WeightTypeSummary(DataType DataType, int Tensors, long Elements, long Bytes);

/// <summary>Cost of all nodes of one op type (domain-qualified outside ai.onnx). Uncounted nodes add nothing to the sums.</summary>
public sealed record OperatorCostSummary(string OpType, int Nodes, int NotCounted, long Macs, long Flops);

/// <summary>A node left out of the MAC/FLOP totals, and why.</summary>
public sealed record UncountedNode(string Node, string OpType, string Reason);

/// <summary>One of the largest tensors: a weight or an activation.</summary>
public sealed record TensorSummary(string Name, TensorKind Kind, DataType ElementType, IReadOnlyList<Dim> Shape, long Elements, long Bytes);

/// <summary>Why an operator was flagged.</summary>
public enum FlagReason
{
    /// <summary>ONNX Runtime contrib op (<c>com.microsoft</c>): runs in ONNX Runtime, rarely elsewhere.</summary>
    OrtContrib,

    /// <summary>Traditional-ML op (<c>ai.onnx.ml</c>), missing from many edge runtimes.</summary>
    OnnxMl,

    /// <summary>Training op (<c>ai.onnx.preview.training</c>).</summary>
    Training,

    /// <summary>Calls a function defined in the model itself.</summary>
    LocalFunction,

    /// <summary>Any other non-ONNX domain: needs a custom op library.</summary>
    CustomDomain,

    /// <summary>Default domain, but not an ONNX operator name.</summary>
    UnknownOnnxOp,

    /// <summary>An ONNX operator the imported opset does not define (introduced later, or already removed).</summary>
    NotInOpset,
}

/// <summary>An operator that a standard ONNX runtime may not run, with how many nodes use it.</summary>
public sealed record FlaggedOperator(string Domain, string OpType, int Count, FlagReason Reason, string Detail);
