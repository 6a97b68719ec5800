using EdgeOpt.Devices;

namespace EdgeOpt.Analysis.Backends;

/// <summary>
/// ORT's Core ML execution provider in ML Program format (<c>ModelFormat=MLProgram</c>, iOS 15+ / macOS 12+). Rows follow
/// tools/ci_build/github/apple/coreml_supported_mlprogram_ops.md; Core ML takes tensors of rank 5 at most. Dynamic
/// shapes are accepted by default (slower), so they only raise a suggestion, not a failure.
/// </summary>
internal sealed class CoreMlRules : BackendRules
{
    public override AccelerationBackend Backend => AccelerationBackend.CoreMl;

    public override string Source =>
        "https://github.com/microsoft/onnxruntime/blob/main/tools/ci_build/github/apple/coreml_supported_mlprogram_ops.md " +
        "(= https://onnxruntime.ai/docs/execution-providers/CoreML-ExecutionProvider.html, ML Program format), main branch as read in 2026-11; " +
        "EdgeOpt runs ORT 1.31.1";

    private static readonly Rule Pool2D = Only2D("Pool");

    protected override IReadOnlyDictionary<string, Rule?> Table { get; } = new Dictionary<string, Rule?>(StringComparer.Ordinal)
    {
        ["ai.onnx:Add"] = null,
        ["ai.onnx:ArgMax"] = null,
        ["ai.onnx:AveragePool"] = Pool2D,
        ["ai.onnx:Cast"] = null,
        ["ai.onnx:Clip"] = null,
        ["ai.onnx:Concat"] = null,
        ["ai.onnx:Conv"] = All(
            n => n.Rank(0) is { } r && r is not (3 or 4)
                ? new Verdict(UnsupportedCause.Constraint, $"only 1D/2D Conv is supported; input '{n.InputName(0)}' has rank {r}")
                : null,
            Constant("Conv bias", 2)),
        ["ai.onnx:ConvTranspose"] = Constant("ConvTranspose weight and bias", 1, 2),
        ["ai.onnx:DepthToSpace"] = n => n.Str("mode", "DCR") == "CRD" && n.FirstDynamic() is { } v
            ? new Verdict(UnsupportedCause.DynamicShape, $"DepthToSpace in CRD mode needs a fixed input shape; '{v.Name}' is {NodeFacts.ShapeText(v)}")
            : null,
        ["ai.onnx:Div"] = null,
        ["ai.onnx:Elu"] = null,
        ["ai.onnx:Erf"] = null,
        ["ai.onnx:Exp"] = null,
        ["ai.onnx:Gemm"] = Constant("Gemm input B", 1),
        ["ai.onnx:Gelu"] = null,
        ["ai.onnx:GlobalAveragePool"] = Pool2D,
        ["ai.onnx:GlobalMaxPool"] = Pool2D,
        ["ai.onnx:GridSample"] = n => n.Rank(0) is { } r && r != 4
            ? new Verdict(UnsupportedCause.Constraint, $"GridSample needs a 4D input; '{n.InputName(0)}' has rank {r}")
            : null,
        ["ai.onnx:GroupNormalization"] = null,
        ["ai.onnx:InstanceNormalization"] = null,
        ["ai.onnx:LayerNormalization"] = null,
        ["ai.onnx:LeakyRelu"] = null,
        ["ai.onnx:MatMul"] = null,
        ["ai.onnx:MaxPool"] = Pool2D,
        ["ai.onnx:Max"] = null,
        ["ai.onnx:Mul"] = null,
        ["ai.onnx:Pow"] = n => n.InputType(0) is not Onnx.DataType.Float || n.InputType(1) is not Onnx.DataType.Float
            ? new Verdict(UnsupportedCause.DataType, "Pow is only supported when both inputs are float32")
            : null,
        ["ai.onnx:PRelu"] = null,
        ["ai.onnx:Reciprocal"] = null,
        ["ai.onnx:ReduceSum"] = null,
        ["ai.onnx:ReduceMean"] = null,
        ["ai.onnx:ReduceMax"] = null,
        ["ai.onnx:Relu"] = null,
        ["ai.onnx:Reshape"] = null,
        ["ai.onnx:Resize"] = null,
        ["ai.onnx:Round"] = null,
        ["ai.onnx:Shape"] = null,
        ["ai.onnx:Slice"] = Constant("Slice starts/ends/axes/steps", 1, 2, 3, 4),
        ["ai.onnx:Softplus"] = null,
        ["ai.onnx:Split"] = Constant("Split's splits input", 1),
        ["ai.onnx:Sub"] = null,
        ["ai.onnx:Sigmoid"] = null,
        ["ai.onnx:Softmax"] = null,
        ["ai.onnx:Sqrt"] = null,
        ["ai.onnx:Squeeze"] = null,
        ["ai.onnx:Tanh"] = null,
        ["ai.onnx:Transpose"] = null,
        ["ai.onnx:Unsqueeze"] = null,
    };

    protected override Verdict? CheckCommon(NodeFacts node) => RankAtMostFive(node);

    /// <summary>Core ML takes tensors of rank 5 at most, in both model formats.</summary>
    internal static Verdict? RankAtMostFive(NodeFacts node) =>
        node.ComputedValues().FirstOrDefault(v => v.Shape is { Rank: > 5 }) is { } big
            ? new Verdict(UnsupportedCause.Constraint, $"Core ML takes tensors of rank 5 at most; '{big.Name}' has rank {big.Shape!.Rank}")
            : null;
}
