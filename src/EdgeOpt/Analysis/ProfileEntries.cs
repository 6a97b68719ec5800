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

/// <summary>
/// The cost of one If branch or Loop/Scan body (nested bodies included, as their node counts them).
/// </summary>
/// <param name="Node">The If/Loop/Scan node holding the body; nested ones are named by their path, outermost first.</param>
/// <param name="OpType">If, Loop or Scan.</param>
/// <param name="Body">The attribute holding it: <c>then_branch</c>, <c>else_branch</c> or <c>body</c>.</param>
/// <param name="Nodes">Nodes in the body, nested bodies included.</param>
/// <param name="Macs">One execution of the body (uncounted nodes add nothing).</param>
/// <param name="Flops">One execution of the body.</param>
/// <param name="NotCounted">Nodes in the body left out of its figures.</param>
/// <param name="Iterations">How many times the node runs the body when that is known: a Loop's constant trip count
/// (an upper bound: its condition may stop it sooner), a Scan's scanned length; 1 for If branches.</param>
/// <param name="InTotals">Whether its node's figures take this body: the branch an If takes when its condition is known
/// before running, else the costlier branch (by FLOPs, then MACs); a Loop/Scan body whose iteration count is known. (A
/// body nested in a branch the model totals do not take reaches them only through its node.)</param>
public sealed record SubgraphCostSummary(string Node, string OpType, string Body, int Nodes, long Macs, long Flops, int NotCounted, long? Iterations, bool InTotals);

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
