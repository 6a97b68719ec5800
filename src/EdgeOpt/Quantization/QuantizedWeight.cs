namespace EdgeOpt.Quantization;

/// <summary>One weight a quantizer replaced: which node, and its size before and after.</summary>
/// <param name="NodeName">The float node that was replaced (its name, or its display name when unnamed).</param>
/// <param name="OpType">The float node's operator (<c>MatMul</c>, <c>Gemm</c> or <c>Conv</c>).</param>
/// <param name="WeightName">The float weight initializer.</param>
/// <param name="K">Input features (rows of the weight as MatMul reads it; for Conv, the elements of one filter: C/group × kernel).</param>
/// <param name="N">Output features (columns; for Conv, output channels).</param>
/// <param name="FloatBytes">Bytes of the float weight (and bias, when folded).</param>
/// <param name="QuantizedBytes">Bytes of everything that replaced it: packed weights, scales, zero points, bias.</param>
public sealed record QuantizedWeight(string NodeName, string OpType, string WeightName, long K, long N, long FloatBytes, long QuantizedBytes);
