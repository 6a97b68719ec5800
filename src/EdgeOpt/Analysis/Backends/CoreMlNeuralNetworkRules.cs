using EdgeOpt.Devices;

namespace EdgeOpt.Analysis.Backends;

/// <summary>
/// ORT's Core ML execution provider in the older NeuralNetwork format (<c>ModelFormat=NeuralNetwork</c>, the default
/// before ML Program; iOS 13+). Rows follow tools/ci_build/github/apple/coreml_supported_ops.md, which lists fewer
/// operators than the ML Program table: no Erf/Gelu/LayerNormalization/Softmax/Split/Unsqueeze.
/// </summary>
internal sealed class CoreMlNeuralNetworkRules : BackendRules
{
    public override AccelerationBackend Backend => AccelerationBackend.CoreMl;

    public override string Source =>
        "https://github.com/microsoft/onnxruntime/blob/main/tools/ci_build/github/apple/coreml_supported_ops.md " +
        "(= https://onnxruntime.ai/docs/execution-providers/CoreML-ExecutionProvider.html, NeuralNetwork format), as read in 2026-12 " +
        "at commit 424107a; EdgeOpt runs ORT 1.31.1";

    private static readonly Rule Pool2D = Only2D("Pool");

    protected override IReadOnlyDictionary<string, Rule?> Table { get; } = new Dictionary<string, Rule?>(StringComparer.Ordinal)
    {
        ["ai.onnx:Add"] = null,
        ["ai.onnx:ArgMax"] = null,
        ["ai.onnx:AveragePool"] = Pool2D,
        ["ai.onnx:BatchNormalization"] = null,
        ["ai.onnx:Cast"] = null,
        ["ai.onnx:Clip"] = null,
        ["ai.onnx:Concat"] = null,
        ["ai.onnx:Conv"] = All(
            n => n.Rank(0) is { } r && r is not (3 or 4)
                ? new Verdict(UnsupportedCause.Constraint, $"only 1D/2D Conv is supported; input '{n.InputName(0)}' has rank {r}")
                : null,
            Constant("Conv weights and bias", 1, 2)),
        ["ai.onnx:DepthToSpace"] = n => n.Str("mode", "DCR") == "DCR" ? null
            : new Verdict(UnsupportedCause.Constraint, $"only DCR mode DepthToSpace is supported; mode is {n.Str("mode", "DCR")}"),
        ["ai.onnx:Div"] = null,
        ["ai.onnx:Flatten"] = null,
        ["ai.onnx:Gather"] = n => n.Rank(1) is 0
            ? new Verdict(UnsupportedCause.Constraint, $"Gather with scalar indices is not supported; '{n.InputName(1)}' is a scalar")
            : null,
        ["ai.onnx:Gemm"] = Constant("Gemm input B", 1),
        ["ai.onnx:GlobalAveragePool"] = Pool2D,
        ["ai.onnx:GlobalMaxPool"] = Pool2D,
        ["ai.onnx:LeakyRelu"] = null,
        ["ai.onnx:LRN"] = null,
        ["ai.onnx:MatMul"] = Constant("MatMul input B", 1),
        ["ai.onnx:MaxPool"] = Pool2D,
        ["ai.onnx:Mul"] = null,
        ["ai.onnx:Pad"] = All(
            n => n.Str("mode", "constant") == "constant" ? null
                : new Verdict(UnsupportedCause.Constraint, $"only constant mode Pad is supported; mode is {n.Str("mode", "constant")}"),
            Constant("Pad pads, constant_value and axes", 1, 2, 3)),
        ["ai.onnx:Pow"] = n => n.InputType(0) is not Onnx.DataType.Float || n.InputType(1) is not Onnx.DataType.Float
            ? new Verdict(UnsupportedCause.DataType, "Pow is only supported when both inputs are float32")
            : null,
        ["ai.onnx:PRelu"] = Constant("PRelu slope", 1),
        ["ai.onnx:Reciprocal"] = null,
        // The published row is spelled "ai.onnx.ReduceSum" (a dot for the colon); the EP's op builder registers it.
        ["ai.onnx:ReduceSum"] = null,
        ["ai.onnx:Relu"] = null,
        ["ai.onnx:Reshape"] = null,
        ["ai.onnx:Resize"] = null,
        ["ai.onnx:Shape"] = n => n.Node.Attributes.Contains("end") || n.Int("start", 0) != 0
            ? new Verdict(UnsupportedCause.Constraint, "Shape with a start or end attribute is not supported")
            : null,
        ["ai.onnx:Sigmoid"] = null,
        ["ai.onnx:Slice"] = Constant("Slice starts/ends/axes/steps", 1, 2, 3, 4),
        ["ai.onnx:Squeeze"] = null,
        ["ai.onnx:Sqrt"] = null,
        ["ai.onnx:Sub"] = null,
        ["ai.onnx:Tanh"] = null,
        ["ai.onnx:Transpose"] = null,
    };

    protected override Verdict? CheckCommon(NodeFacts node) => CoreMlRules.RankAtMostFive(node);
}
