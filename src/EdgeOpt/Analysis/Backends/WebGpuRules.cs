using EdgeOpt.Devices;

namespace EdgeOpt.Analysis.Backends;

/// <summary>
/// onnxruntime-web's WebGPU provider. Rows (with their opset ranges) follow js/web/docs/webgpu-operators.md; Conv and
/// ConvTranspose are 2D (no 3D) as its comments say.
/// </summary>
internal sealed class WebGpuRules : BackendRules
{
    public override AccelerationBackend Backend => AccelerationBackend.WebGpu;

    public override string Source =>
        "https://github.com/microsoft/onnxruntime/blob/main/js/web/docs/webgpu-operators.md (generated from the WebGPU kernel " +
        "definitions), main branch as read in 2026-11; EdgeOpt runs ORT 1.31.1";

    private static readonly Dictionary<string, int> Since = new(StringComparer.Ordinal)
    {
        ["Abs"] = 6, ["Acos"] = 7, ["Acosh"] = 9, ["Add"] = 7, ["ArgMax"] = 1, ["ArgMin"] = 1, ["Asin"] = 7, ["Asinh"] = 9,
        ["Atan"] = 7, ["Atanh"] = 9, ["AveragePool"] = 7, ["BatchNormalization"] = 7, ["Cast"] = 6, ["Ceil"] = 6, ["Clip"] = 6,
        ["Concat"] = 1, ["Conv"] = 1, ["ConvTranspose"] = 1, ["Cos"] = 7, ["Cosh"] = 9, ["Div"] = 7, ["Einsum"] = 12, ["Elu"] = 6,
        ["Equal"] = 7, ["Erf"] = 9, ["Exp"] = 6, ["Expand"] = 8, ["Flatten"] = 1, ["Floor"] = 6, ["Gather"] = 1,
        ["GatherElements"] = 11, ["Gemm"] = 7, ["GlobalAveragePool"] = 1, ["GlobalMaxPool"] = 1, ["Greater"] = 7,
        ["GreaterOrEqual"] = 12, ["If"] = 1, ["InstanceNormalization"] = 6, ["LayerNormalization"] = 17, ["LeakyRelu"] = 6,
        ["Less"] = 7, ["LessOrEqual"] = 12, ["Log"] = 6, ["MatMul"] = 1, ["MaxPool"] = 1, ["Mul"] = 7, ["Neg"] = 6, ["Not"] = 1,
        ["Pad"] = 2, ["Pow"] = 7, ["Range"] = 11, ["Reciprocal"] = 6, ["ReduceL1"] = 1, ["ReduceL2"] = 1, ["ReduceLogSum"] = 1,
        ["ReduceLogSumExp"] = 1, ["ReduceMax"] = 1, ["ReduceMean"] = 1, ["ReduceMin"] = 1, ["ReduceProd"] = 1, ["ReduceSum"] = 1,
        ["ReduceSumSquare"] = 1, ["Relu"] = 6, ["Reshape"] = 5, ["Resize"] = 10, ["Shape"] = 1, ["Sigmoid"] = 6, ["Sin"] = 7,
        ["Sinh"] = 9, ["Slice"] = 1, ["Softmax"] = 1, ["Split"] = 1, ["Sqrt"] = 6, ["Squeeze"] = 1, ["Sub"] = 7, ["Tan"] = 7,
        ["Tanh"] = 6, ["ThresholdedRelu"] = 10, ["Tile"] = 6, ["Transpose"] = 1, ["Unsqueeze"] = 1, ["Where"] = 9,
    };

    private static readonly Rule NoConv3D = n => n.Rank(0) is 5
        ? new Verdict(UnsupportedCause.Constraint, $"3D {n.OpType} is not supported on WebGPU; input '{n.InputName(0)}' has rank 5")
        : null;

    protected override IReadOnlyDictionary<string, Rule?> Table { get; } = Build();

    private static Dictionary<string, Rule?> Build()
    {
        var table = new Dictionary<string, Rule?>(StringComparer.Ordinal);
        foreach (var (op, since) in Since)
        {
            Rule opset = n => CheckOpsetRange(n, (since, null), "WebGPU");
            table[$"ai.onnx:{op}"] = op is "Conv" or "ConvTranspose" ? All(opset, NoConv3D) : opset;
        }
        foreach (var op in new[] { "BiasAdd", "BiasSplitGelu", "FusedConv", "Gelu", "SkipLayerNormalization" })
            table[$"com.microsoft:{op}"] = null;
        return table;
    }
}
