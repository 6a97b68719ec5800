using EdgeOpt.Devices;

namespace EdgeOpt.Analysis.Backends;

/// <summary>
/// ORT's XNNPACK execution provider: a small set of compute-heavy operators; everything else stays on the CPU provider.
/// Rows follow the "Supported ops" table of docs/execution-providers/Xnnpack-ExecutionProvider.md. A Relu or Clip right
/// after a supported Conv or MaxPool (its only consumer) is fused into it (FuseActivation in
/// onnxruntime/core/providers/xnnpack/detail/utils.cc: "Currently Conv and MaxPool are supported").
/// </summary>
internal sealed class XnnpackRules : BackendRules
{
    public override AccelerationBackend Backend => AccelerationBackend.Xnnpack;

    public override string Source =>
        "https://onnxruntime.ai/docs/execution-providers/Xnnpack-ExecutionProvider.html#supported-ops " +
        "(microsoft/onnxruntime docs/execution-providers/Xnnpack-ExecutionProvider.md, rows marked 'since 1.14'); EdgeOpt runs ORT 1.31.1";

    private static Rule Only2DOp(string what) => n =>
    {
        for (var i = 0; i < 2; i++)
            if (n.Rank(i) is { } r && r != 2)
                return new Verdict(UnsupportedCause.Constraint, $"only 2D {what} is supported; input '{n.InputName(i)}' has rank {r}");
        return null;
    };

    public override Verdict? Check(NodeFacts node)
    {
        if (node.Node.IsOnnxDomain && node.OpType is "Relu" or "Clip" && node.HasInput(0)
            && node.Node.Inputs[0]! is { Uses.Count: 1, Producer: { OpType: "Conv" or "MaxPool", IsOnnxDomain: true } producer }
            && base.Check(new NodeFacts(producer, node.Opset)) is null)
            return node.OpType == "Clip" ? Constant("Clip min and max (to fuse into the preceding node)", 1, 2)(node) : null;
        return base.Check(node);
    }

    protected override IReadOnlyDictionary<string, Rule?> Table { get; } = new Dictionary<string, Rule?>(StringComparer.Ordinal)
    {
        ["ai.onnx:AveragePool"] = Only2D("Pool"),
        ["ai.onnx:Conv"] = All(Only2D("Conv"), Constant("Conv weights and bias", 1, 2)),
        ["ai.onnx:ConvTranspose"] = All(Only2D("ConvTranspose"), Constant("ConvTranspose weights and bias", 1, 2)),
        ["ai.onnx:MaxPool"] = Only2D("Pool"),
        ["ai.onnx:Softmax"] = n => n.Opset >= 13 && n.Rank(0) is { } r && n.Int("axis", -1) is var axis && axis != -1 && axis != r - 1
            ? new Verdict(UnsupportedCause.Constraint, $"from opset 13 Softmax is only supported on the last axis; axis is {axis} of rank {r}")
            : null,
        ["ai.onnx:QLinearConv"] = All(Only2D("Conv"), QuantParamsConstant(0)),
        ["ai.onnx:Resize"] = n =>
            n.Str("mode", "nearest") != "linear"
                ? new Verdict(UnsupportedCause.Constraint, $"only bilinear Resize is supported; mode is {n.Str("mode", "nearest")}")
                : n.Rank(0) is { } r && r is not (2 or 4)
                    ? new Verdict(UnsupportedCause.Constraint, $"only 2D/4D Resize is supported; input '{n.InputName(0)}' has rank {r}")
                    : null,
        ["ai.onnx:Gemm"] = Only2DOp("Gemm"),
        ["ai.onnx:MatMul"] = Only2DOp("MatMul"),
        ["com.microsoft:QLinearAveragePool"] = All(Only2D("Pool"), QuantParamsConstant(0)),
        ["com.microsoft:QLinearSoftmax"] = QuantParamsConstant(0),
        ["com.microsoft:QLinearConvTranspose"] = QuantParamsConstant(0),
    };
}
