using EdgeOpt.Devices;

namespace EdgeOpt.Analysis.Backends;

/// <summary>
/// ORT's NNAPI execution provider. Rows follow tools/ci_build/github/android/nnapi_supported_ops.md (kept in sync with
/// the NNAPI-ExecutionProvider page); every node also needs static shapes, as the EP's op builders reject dynamic ones.
/// </summary>
internal sealed class NnapiRules : BackendRules
{
    public override AccelerationBackend Backend => AccelerationBackend.Nnapi;

    public override string Source =>
        "https://github.com/microsoft/onnxruntime/blob/main/tools/ci_build/github/android/nnapi_supported_ops.md " +
        "(= https://onnxruntime.ai/docs/execution-providers/NNAPI-ExecutionProvider.html), main branch as read in 2026-11; EdgeOpt runs ORT 1.31.1";

    protected override IReadOnlyDictionary<string, Rule?> Table { get; } = new Dictionary<string, Rule?>(StringComparer.Ordinal)
    {
        ["ai.onnx:Abs"] = null,
        ["ai.onnx:Add"] = null,
        ["ai.onnx:AveragePool"] = Only2D("Pool"),
        ["ai.onnx:BatchNormalization"] = null,
        ["ai.onnx:Cast"] = null,
        ["ai.onnx:Clip"] = null,
        ["ai.onnx:Concat"] = null,
        ["ai.onnx:Conv"] = All(Only2D("Conv"), Constant("Conv weights and bias", 1, 2)),
        ["ai.onnx:DepthToSpace"] = n => n.Str("mode", "DCR") == "DCR" ? null
            : new Verdict(UnsupportedCause.Constraint, $"only DCR mode DepthToSpace is supported; mode is {n.Str("mode", "DCR")}"),
        ["ai.onnx:DequantizeLinear"] = QuantParamsConstant(0),
        ["ai.onnx:Div"] = null,
        ["ai.onnx:Elu"] = null,
        ["ai.onnx:Exp"] = null,
        ["ai.onnx:Flatten"] = null,
        ["ai.onnx:Floor"] = null,
        ["ai.onnx:Gather"] = n => n.InputType(1) is not Onnx.DataType.Int32 && !n.IsConstant(1)
            ? new Verdict(UnsupportedCause.NonConstantInput, $"Gather indices must be constant unless int32; '{n.InputName(1)}' is computed at run time")
            : null,
        ["ai.onnx:Gemm"] = n => !n.IsConstant(1) && n.Int("transB", 0) != 1
            ? new Verdict(UnsupportedCause.NonConstantInput, $"Gemm input B '{n.InputName(1)}' is not constant, which needs transB=1")
            : null,
        ["ai.onnx:GlobalAveragePool"] = Only2D("Pool"),
        ["ai.onnx:GlobalMaxPool"] = Only2D("Pool"),
        ["ai.onnx:Identity"] = null,
        ["ai.onnx:LeakyRelu"] = null,
        ["ai.onnx:Log"] = null,
        ["ai.onnx:LRN"] = null,
        ["ai.onnx:MatMul"] = null,
        ["ai.onnx:MaxPool"] = Only2D("Pool"),
        ["ai.onnx:Max"] = null,
        ["ai.onnx:Min"] = null,
        ["ai.onnx:Mul"] = null,
        ["ai.onnx:Neg"] = null,
        ["ai.onnx:Pad"] = All(
            n => n.Str("mode", "constant") == "constant" ? null
                : new Verdict(UnsupportedCause.Constraint, $"only constant mode Pad is supported; mode is {n.Str("mode", "constant")}"),
            Constant("Pad pads and constant_value", 1, 2)),
        ["ai.onnx:Pow"] = null,
        ["ai.onnx:PRelu"] = null,
        ["ai.onnx:QLinearConv"] = All(Only2D("Conv"), QuantParamsConstant(0)),
        ["ai.onnx:QLinearMatMul"] = QuantParamsConstant(0, 3),
        ["ai.onnx:QuantizeLinear"] = QuantParamsConstant(0),
        ["ai.onnx:ReduceMean"] = null,
        ["ai.onnx:Relu"] = null,
        ["ai.onnx:Reshape"] = null,
        ["ai.onnx:Resize"] = Only2D("Resize"),
        ["ai.onnx:Sigmoid"] = null,
        ["ai.onnx:Sin"] = null,
        ["ai.onnx:Slice"] = null,
        ["ai.onnx:Softmax"] = null,
        ["ai.onnx:Split"] = Constant("Split's split input", 1),
        ["ai.onnx:Sqrt"] = null,
        ["ai.onnx:Squeeze"] = Constant("Squeeze axes", 1),
        ["ai.onnx:Sub"] = null,
        ["ai.onnx:Tanh"] = null,
        ["ai.onnx:Transpose"] = null,
        ["ai.onnx:Unsqueeze"] = Constant("Unsqueeze axes", 1),
        ["com.microsoft:QLinearAdd"] = QuantParamsConstant(0, 3),
        ["com.microsoft:QLinearAveragePool"] = All(Only2D("Pool"), QuantParamsConstant(0)),
        ["com.microsoft:QLinearSigmoid"] = QuantParamsConstant(0),
    };

    protected override Verdict? CheckCommon(NodeFacts node) => RequireStaticShapes(node, "NNAPI");
}
