namespace EdgeOpt.Onnx.Conversion;

/// <summary>
/// When each ai.onnx operator appeared and when it was retired (from onnx docs/Changelog.md), and which IR version
/// each opset needs (onnx/helper.py VERSION_TABLE).
/// </summary>
internal static class OperatorVersions
{
    private static readonly Dictionary<string, int> Since = Build();

    /// <summary>Operators replaced by another at the given opset; the converter rewrites them (see the adapters).</summary>
    private static readonly Dictionary<string, int> RetiredAt = new(StringComparer.Ordinal)
    {
        ["Upsample"] = 10,
        ["Scatter"] = 11,
    };

    public static bool IsKnown(string op) => Since.ContainsKey(op);

    public static int SinceVersion(string op) => Since[op];

    public static int? RetiredVersion(string op) => RetiredAt.TryGetValue(op, out var v) ? v : null;

    /// <summary>The lowest IR version a model importing <paramref name="opset"/> must declare.</summary>
    public static long MinIrVersion(long opset) => opset switch
    {
        <= 8 => 3,
        9 => 4,
        10 => 5,
        11 => 6,
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        <= 22 => 10,
        _ => 11,
    };

    private static Dictionary<string, int> Build()
    {
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(int version, string ops)
        {
            foreach (var op in ops.Split(' ', StringSplitOptions.RemoveEmptyEntries)) table[op] = version;
        }
        Add(1, "Abs Add And ArgMax ArgMin AveragePool BatchNormalization Cast Ceil Clip Concat Constant Conv ConvTranspose " +
               "DepthToSpace Div Dropout Elu Equal Exp Flatten Floor GRU Gather Gemm GlobalAveragePool GlobalLpPool GlobalMaxPool " +
               "Greater HardSigmoid Hardmax Identity If InstanceNormalization LRN LSTM LeakyRelu Less Log LogSoftmax Loop " +
               "LpNormalization LpPool MatMul Max MaxPool MaxRoiPool Mean Min Mul Neg Not Or PRelu Pad Pow RNN RandomNormal " +
               "RandomNormalLike RandomUniform RandomUniformLike Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax " +
               "ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare Relu Reshape Selu Shape Sigmoid Size Slice Softmax " +
               "Softplus Softsign SpaceToDepth Split Sqrt Squeeze Sub Sum Tanh Tile TopK Transpose Unsqueeze Upsample Xor");
        Add(7, "Acos Asin Atan Cos Multinomial Sin Tan");
        Add(8, "Expand Scan");
        Add(9, "Acosh Asinh Atanh Compress ConstantOfShape Cosh Erf EyeLike IsNaN MaxUnpool MeanVarianceNormalization NonZero " +
               "OneHot Scatter Shrink Sign Sinh TfIdfVectorizer Where");
        Add(10, "ConvInteger DequantizeLinear IsInf MatMulInteger Mod NonMaxSuppression QLinearConv QLinearMatMul QuantizeLinear " +
                "Resize ReverseSequence RoiAlign StringNormalizer ThresholdedRelu");
        Add(11, "BitShift ConcatFromSequence CumSum Det DynamicQuantizeLinear GatherElements GatherND Range Round ScatterElements " +
                "ScatterND SequenceAt SequenceConstruct SequenceEmpty SequenceErase SequenceInsert SequenceLength SplitToSequence Unique");
        Add(12, "Celu Einsum GreaterOrEqual LessOrEqual NegativeLogLikelihoodLoss SoftmaxCrossEntropyLoss");
        Add(14, "HardSwish Trilu");
        Add(15, "Bernoulli CastLike Optional OptionalGetElement OptionalHasElement");
        Add(16, "GridSample");
        Add(17, "BlackmanWindow DFT HammingWindow HannWindow LayerNormalization MelWeightMatrix STFT SequenceMap");
        Add(18, "BitwiseAnd BitwiseNot BitwiseOr BitwiseXor CenterCropPad Col2Im GroupNormalization Mish");
        Add(19, "DeformConv");
        Add(20, "AffineGrid Gelu ImageDecoder RegexFullMatch StringConcat StringSplit");
        return table;
    }
}
