using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Quantization.Qdq;

/// <summary>Which operators the QDQ quantizer wraps, and which of their inputs carry float data.</summary>
internal static class QdqOperators
{
    /// <summary>
    /// Operators with their own output range: ONNX Runtime's CPU provider fuses DQ → op → Q around them into integer
    /// kernels (QLinearConv, QGemm, QLinearMatMul, QLinearAdd, ...), all but ConvTranspose, which it runs in float
    /// between the DQ and Q (kept for the int8 weight and for providers that do fuse it).
    /// </summary>
    public static readonly IReadOnlySet<string> Compute = new HashSet<string>(StringComparer.Ordinal)
        { "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Mul", "Concat", "AveragePool", "GlobalAveragePool" };

    /// <summary>Operators that only move or select values: the output shares the input's scale, so ORT drops their QDQ pair.</summary>
    public static readonly IReadOnlySet<string> ShareInputScale = new HashSet<string>(StringComparer.Ordinal)
        { "MaxPool", "Resize", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Slice", "Gather" };

    /// <summary>Of <see cref="ShareInputScale"/>, the ones quantized even when their producer is not (they need a range then).</summary>
    public static readonly IReadOnlySet<string> RangeRequired = new HashSet<string>(StringComparer.Ordinal) { "MaxPool", "Resize" };

    public static bool IsQuantizable(Node node) =>
        node.IsOnnxDomain && (Compute.Contains(node.OpType) || ShareInputScale.Contains(node.OpType));

    /// <summary>Indices of the inputs that are activations (or activation-like constants).</summary>
    public static IEnumerable<int> DataInputs(Node node) => node.OpType switch
    {
        "Add" or "Mul" or "Concat" => Enumerable.Range(0, node.Inputs.Count),
        "MatMul" => [0, 1],
        _ => [0],
    };

    /// <summary>
    /// A Clip's bounds when they are known constants: attributes before opset 11, optional scalar inputs from then on
    /// (absent means unbounded). Null when a bound is computed at run time.
    /// </summary>
    public static (float Min, float Max)? ClipBounds(Node clip, long opset)
    {
        if (opset < 11)
            return (clip.Attributes.GetFloat("min", float.MinValue), clip.Attributes.GetFloat("max", float.MaxValue));
        var min = Bound(clip.Inputs.ElementAtOrDefault(1), float.NegativeInfinity);
        var max = Bound(clip.Inputs.ElementAtOrDefault(2), float.PositiveInfinity);
        return min is { } lo && max is { } hi ? (lo, hi) : null;

        static float? Bound(Value? input, float absent) => input is null ? absent
            : GraphQueries.TryGetConstant(input) is { DataType: DataType.Float, ElementCount: 1 } t ? t.ToSingleArray()[0] : null;
    }

    /// <summary>Plan key of a node: its name, or its first output's name when it has none.</summary>
    public static string Key(Node node) => node.Name.Length > 0 ? node.Name : node.Outputs[0].Name;
}
