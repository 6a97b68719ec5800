using EdgeOpt.Onnx;

namespace EdgeOpt.Quantization.Qdq;

/// <summary>Which operators the QDQ quantizer wraps, and which of their inputs carry float data.</summary>
internal static class QdqOperators
{
    /// <summary>Operators with their own output range: ONNX Runtime fuses DQ → op → Q around them into integer kernels.</summary>
    public static readonly IReadOnlySet<string> Compute = new HashSet<string>(StringComparer.Ordinal)
        { "Conv", "Gemm", "MatMul", "Add", "Mul", "Concat", "AveragePool", "GlobalAveragePool" };

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

    /// <summary>Plan key of a node: its name, or its first output's name when it has none.</summary>
    public static string Key(Node node) => node.Name.Length > 0 ? node.Name : node.Outputs[0].Name;
}
