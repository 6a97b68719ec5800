namespace EdgeOpt.Analysis;

/// <summary>
/// The operators of the default ONNX domain (ai.onnx) with the opset version that introduced each, and the few
/// that were later removed. Used to flag ops an opset does not define; kept by hand from onnx/docs/Operators.md
/// (through opset 24), so an op newer than this table is reported as unknown rather than silently accepted.
/// </summary>
internal static class OnnxOperatorCatalog
{
    /// <summary>Highest default-domain opset this table describes.</summary>
    public const int LatestOpset = 24;

    private static readonly Dictionary<string, (int Since, int? RemovedIn)> Operators = Build();

    /// <summary>The opset that introduced <paramref name="opType"/>, or null when it is not a known ONNX op.</summary>
    public static int? SinceVersion(string opType) => Operators.TryGetValue(opType, out var e) ? e.Since : null;

    /// <summary>The opset from which <paramref name="opType"/> is no longer defined (deprecated and removed), if any.</summary>
    public static int? RemovedIn(string opType) => Operators.TryGetValue(opType, out var e) ? e.RemovedIn : null;

    public static bool IsKnown(string opType) => Operators.ContainsKey(opType);

    private static Dictionary<string, (int, int?)> Build()
    {
        var table = new Dictionary<string, (int, int?)>(StringComparer.Ordinal);
        void Add(int since, params string[] names)
        {
            foreach (var n in names) table.Add(n, (since, null));
        }

        Add(1, "Abs", "Add", "And", "ArgMax", "ArgMin", "AveragePool", "BatchNormalization", "Cast", "Ceil", "Clip", "Concat",
            "Constant", "Conv", "ConvTranspose", "DepthToSpace", "Div", "Dropout", "Elu", "Equal", "Exp", "Flatten", "Floor",
            "GRU", "Gather", "Gemm", "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool", "Greater", "HardSigmoid", "Hardmax",
            "Identity", "If", "InstanceNormalization", "LRN", "LSTM", "LeakyRelu", "Less", "Log", "LogSoftmax", "Loop",
            "LpNormalization", "LpPool", "MatMul", "Max", "MaxPool", "MaxRoiPool", "Mean", "Min", "Mul", "Neg", "Not", "Or",
            "PRelu", "Pad", "Pow", "RNN", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
            "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
            "ReduceProd", "ReduceSum", "ReduceSumSquare", "Relu", "Reshape", "Selu", "Shape", "Sigmoid", "Size", "Slice",
            "Softmax", "Softplus", "Softsign", "SpaceToDepth", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "Tile", "TopK",
            "Transpose", "Unsqueeze", "Xor");
        Add(7, "Acos", "Asin", "Atan", "Cos", "Multinomial", "Sin", "Tan");
        Add(8, "Expand", "Scan");
        Add(9, "Acosh", "Asinh", "Atanh", "Compress", "ConstantOfShape", "Cosh", "Erf", "EyeLike", "IsNaN", "MaxUnpool",
            "MeanVarianceNormalization", "NonZero", "OneHot", "Shrink", "Sign", "Sinh", "TfIdfVectorizer", "Where");
        Add(10, "ConvInteger", "DequantizeLinear", "IsInf", "MatMulInteger", "Mod", "NonMaxSuppression", "QLinearConv",
            "QLinearMatMul", "QuantizeLinear", "Resize", "ReverseSequence", "RoiAlign", "StringNormalizer", "ThresholdedRelu");
        Add(11, "BitShift", "ConcatFromSequence", "CumSum", "Det", "DynamicQuantizeLinear", "GatherElements", "GatherND",
            "Range", "Round", "ScatterElements", "ScatterND", "SequenceAt", "SequenceConstruct", "SequenceEmpty",
            "SequenceErase", "SequenceInsert", "SequenceLength", "SplitToSequence", "Unique");
        Add(12, "Celu", "Einsum", "GreaterOrEqual", "LessOrEqual", "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss");
        Add(14, "HardSwish", "Trilu");
        Add(15, "Bernoulli", "CastLike", "Optional", "OptionalGetElement", "OptionalHasElement");
        Add(16, "GridSample");
        Add(17, "BlackmanWindow", "DFT", "HammingWindow", "HannWindow", "LayerNormalization", "MelWeightMatrix",
            "STFT", "SequenceMap");
        Add(18, "BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor", "CenterCropPad", "Col2Im", "GroupNormalization", "Mish");
        Add(19, "DeformConv");
        Add(20, "AffineGrid", "Gelu", "ImageDecoder", "RegexFullMatch", "StringConcat", "StringSplit");
        Add(23, "Attention", "RMSNormalization", "RotaryEmbedding");
        Add(24, "Swish", "TensorScatter");

        // Deprecated ops: defined from `since` until the opset that removed them.
        table.Add("Upsample", (7, 10));
        table.Add("Scatter", (9, 11));
        return table;
    }
}
