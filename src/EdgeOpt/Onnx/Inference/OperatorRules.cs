using System.Collections.Frozen;

namespace EdgeOpt.Onnx.Inference;

/// <summary>Shape/type rules per operator (default ONNX domain, plus the few com.microsoft ops exporters emit often).</summary>
internal static class OperatorRules
{
    private static readonly FrozenDictionary<string, Action<InferenceContext>> Onnx = BuildOnnx();

    private static readonly FrozenDictionary<string, Action<InferenceContext>> Microsoft = new Dictionary<string, Action<InferenceContext>>
    {
        ["Gelu"] = ElementwiseInference.SameAsInput,
        ["FastGelu"] = ElementwiseInference.SameAsInput,
        ["BiasGelu"] = ElementwiseInference.SameAsInput,
        ["QuickGelu"] = ElementwiseInference.SameAsInput,
        ["FusedConv"] = ConvInference.Conv,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static Action<InferenceContext>? Find(Node node)
    {
        var table = node.IsOnnxDomain ? Onnx : node.Domain == "com.microsoft" ? Microsoft : null;
        return table is not null && table.TryGetValue(node.OpType, out var rule) ? rule : null;
    }

    /// <summary>Whether a rule exists for this op (used by callers that want to know before running).</summary>
    public static bool IsSupported(string opType, string domain = "") =>
        (domain is "" or "ai.onnx" ? Onnx : domain == "com.microsoft" ? Microsoft : null)?.ContainsKey(opType) == true;

    private static FrozenDictionary<string, Action<InferenceContext>> BuildOnnx()
    {
        var rules = new Dictionary<string, Action<InferenceContext>>(StringComparer.Ordinal);
        void Add(Action<InferenceContext> rule, params string[] ops)
        {
            foreach (var op in ops) rules.Add(op, rule);
        }

        Add(ElementwiseInference.SameAsInput,
            "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus",
            "Softsign", "Erf", "Gelu", "Mish", "ThresholdedRelu", "Shrink", "Swish",
            "Abs", "Sqrt", "Exp", "Log", "Reciprocal", "Floor", "Ceil", "Round", "Sign",
            "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "BitwiseNot",
            "Softmax", "LogSoftmax", "Hardmax", "InstanceNormalization", "LRN", "GroupNormalization",
            "MeanVarianceNormalization", "LpNormalization", "RMSNormalization", "CumSum", "Trilu", "ReverseSequence");
        Add(ElementwiseInference.SameShapeBool, "Not", "IsNaN", "IsInf");
        Add(ElementwiseInference.Identity, "Identity");
        Add(ElementwiseInference.Neg, "Neg");
        Add(ElementwiseInference.Broadcast,
            "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Mod", "BitShift",
            "BitwiseAnd", "BitwiseOr", "BitwiseXor");
        Add(ElementwiseInference.Comparison, "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor");
        Add(ElementwiseInference.Where, "Where");
        Add(ElementwiseInference.PRelu, "PRelu");
        Add(ElementwiseInference.Dropout, "Dropout");

        Add(ConvInference.Conv, "Conv");
        Add(ConvInference.ConvInteger, "ConvInteger");
        Add(ConvInference.QLinearConv, "QLinearConv");
        Add(ConvInference.ConvTranspose, "ConvTranspose");
        Add(PoolInference.Pool, "MaxPool", "AveragePool", "LpPool");
        Add(PoolInference.Global, "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool");

        Add(MatMulInference.MatMul, "MatMul");
        Add(MatMulInference.MatMulInteger, "MatMulInteger");
        Add(MatMulInference.QLinearMatMul, "QLinearMatMul");
        Add(MatMulInference.Gemm, "Gemm");

        Add(NormalizationInference.BatchNormalization, "BatchNormalization");
        Add(NormalizationInference.LayerNormalization, "LayerNormalization");

        Add(ConstantInference.Constant, "Constant");
        Add(ConstantInference.ConstantOfShape, "ConstantOfShape");
        Add(ConstantInference.Range, "Range");

        Add(ShapeOpsInference.Flatten, "Flatten");
        Add(ShapeOpsInference.Reshape, "Reshape");
        Add(ShapeOpsInference.Transpose, "Transpose");
        Add(ShapeOpsInference.Concat, "Concat");
        Add(ShapeOpsInference.Squeeze, "Squeeze");
        Add(ShapeOpsInference.Unsqueeze, "Unsqueeze");
        Add(ShapeOpsInference.Expand, "Expand");
        Add(ShapeOpsInference.Tile, "Tile");
        Add(ShapeOpsInference.Pad, "Pad");
        Add(ShapeOpsInference.Split, "Split");

        Add(IndexingInference.Slice, "Slice");
        Add(IndexingInference.Gather, "Gather");
        Add(IndexingInference.GatherElements, "GatherElements");
        Add(IndexingInference.GatherND, "GatherND");
        Add(IndexingInference.Scatter, "ScatterND", "ScatterElements", "Scatter");
        Add(IndexingInference.OneHot, "OneHot");
        Add(IndexingInference.NonZero, "NonZero");

        Add(ShapeValueInference.Shape, "Shape");
        Add(ShapeValueInference.Size, "Size");
        Add(ShapeValueInference.Cast, "Cast");
        Add(ShapeValueInference.CastLike, "CastLike");

        Add(ReduceInference.Reduce, "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
            "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");
        Add(ReduceInference.ArgReduce, "ArgMax", "ArgMin");
        Add(ReduceInference.TopK, "TopK");
        Add(ResizeInference.Resize, "Resize");
        Add(ResizeInference.Upsample, "Upsample");
        Add(QuantizationInference.QuantizeLinear, "QuantizeLinear");
        Add(QuantizationInference.DequantizeLinear, "DequantizeLinear");
        Add(QuantizationInference.DynamicQuantizeLinear, "DynamicQuantizeLinear");
        Add(ControlFlowInference.If, "If");
        Add(ControlFlowInference.Loop, "Loop");
        Add(EinsumInference.Einsum, "Einsum");
        Add(RecurrentInference.Recurrent, "RNN", "GRU", "LSTM");
        return rules.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
