using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis.Backends;

/// <summary>
/// onnxruntime-web's legacy WebGL 2 backend. Rows and opset ranges follow js/web/docs/webgl-operators.md; a range with an
/// upper bound (ReduceSum 1-12, Split 2-12, Upsample 7-9) ends where ONNX changed the operator. WebGL computes in float32
/// textures, so a node whose computed tensors are int64, float16, double or 8/16-bit integers is left to the CPU.
/// </summary>
internal sealed class WebGlRules : BackendRules
{
    public override AccelerationBackend Backend => AccelerationBackend.WebGl;

    public override string Source =>
        "https://github.com/microsoft/onnxruntime/blob/main/js/web/docs/webgl-operators.md (generated from the WebGL kernel " +
        "definitions), main branch as read in 2026-11; the float32-only rule (int32 and bool allowed) is EdgeOpt's conservative reading of " +
        "the backend's float textures, not a table row; EdgeOpt runs ORT 1.31.1";

    private static readonly Dictionary<string, (int Since, int? Until)> Ranges = new(StringComparer.Ordinal)
    {
        ["Abs"] = (6, null), ["Acos"] = (7, null), ["Add"] = (7, null), ["And"] = (7, null), ["Asin"] = (7, null), ["Atan"] = (7, null),
        ["AveragePool"] = (7, null), ["BatchNormalization"] = (7, null), ["Cast"] = (6, null), ["Ceil"] = (6, null), ["Clip"] = (6, null),
        ["Concat"] = (4, null), ["Conv"] = (1, null), ["ConvTranspose"] = (1, null), ["Cos"] = (7, null), ["DepthToSpace"] = (1, null),
        ["Div"] = (7, null), ["Dropout"] = (7, null), ["Elu"] = (6, null), ["Equal"] = (7, null), ["Exp"] = (6, null),
        ["Flatten"] = (1, null), ["Floor"] = (6, null), ["Gather"] = (1, null), ["Gemm"] = (7, null), ["GlobalAveragePool"] = (1, null),
        ["GlobalMaxPool"] = (1, null), ["Greater"] = (7, null), ["Identity"] = (1, null), ["InstanceNormalization"] = (6, null),
        ["LRN"] = (1, null), ["LeakyRelu"] = (6, null), ["Less"] = (7, null), ["Log"] = (6, null), ["MatMul"] = (1, null),
        ["MaxPool"] = (1, null), ["Mul"] = (7, null), ["Neg"] = (6, null), ["Not"] = (1, null), ["Or"] = (7, null), ["PRelu"] = (7, null),
        ["Pad"] = (2, null), ["Pow"] = (7, null), ["ReduceLogSum"] = (1, null), ["ReduceMax"] = (1, null), ["ReduceMean"] = (1, null),
        ["ReduceMin"] = (1, null), ["ReduceProd"] = (1, null), ["ReduceSum"] = (1, 12), ["ReduceSumSquare"] = (1, null),
        ["Relu"] = (6, null), ["Reshape"] = (5, null), ["Resize"] = (10, null), ["Shape"] = (1, null), ["Sigmoid"] = (6, null),
        ["Sin"] = (7, null), ["Slice"] = (1, null), ["Softmax"] = (1, null), ["Split"] = (2, 12), ["Sqrt"] = (6, null),
        ["Squeeze"] = (1, null), ["Sub"] = (7, null), ["Sum"] = (6, null), ["Tan"] = (7, null), ["Tanh"] = (6, null),
        ["Tile"] = (6, null), ["Transpose"] = (1, null), ["Unsqueeze"] = (1, null), ["Upsample"] = (7, 9), ["Xor"] = (7, null),
    };

    protected override IReadOnlyDictionary<string, Rule?> Table { get; } =
        Ranges.ToDictionary<KeyValuePair<string, (int Since, int? Until)>, string, Rule?>(
            kv => $"ai.onnx:{kv.Key}", kv => n => CheckOpsetRange(n, kv.Value, "WebGL"), StringComparer.Ordinal);

    protected override Verdict? CheckCommon(NodeFacts node) =>
        node.ComputedValues().FirstOrDefault(v => v.ElementType is { } t && t is not (DataType.Float or DataType.Int32 or DataType.Bool)) is { } bad
            ? new Verdict(UnsupportedCause.DataType, $"WebGL computes in float32; '{bad.Name}' is {bad.ElementType!.Value.OnnxName()}")
            : null;
}
