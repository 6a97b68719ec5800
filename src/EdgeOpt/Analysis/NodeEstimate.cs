namespace EdgeOpt.Analysis;

/// <summary>The estimated cost of one node on the target unit. Every time is estimated, never measured.</summary>
/// <param name="Name">The node's name (or its display name when unnamed).</param>
/// <param name="OpType">Op type, domain-qualified outside ai.onnx.</param>
/// <param name="OpClass">The efficiency class the node was costed with: conv, depthwise-conv, matmul, elementwise, copy, view.</param>
/// <param name="Macs">Multiply-accumulates (times the batch).</param>
/// <param name="Operations">Arithmetic operations the compute time is based on: 2×MACs, or FLOPs for ops without MACs.</param>
/// <param name="WeightBytes">Weight bytes read at the estimate's precision.</param>
/// <param name="ActivationBytes">Input and output activation bytes at the estimate's precision.</param>
/// <param name="ComputeMs">Operations / (peak × compute efficiency of the op class).</param>
/// <param name="MemoryMs">Bytes moved / (bandwidth × memory efficiency).</param>
/// <param name="OverheadMs">Per-node dispatch overhead of the unit.</param>
/// <param name="EstimatedMs">max(compute, memory) + overhead; zero for a fused node.</param>
/// <param name="Bound">What limits the node.</param>
public sealed record NodeEstimate(
    string Name,
    string OpType,
    string OpClass,
    long Macs,
    long Operations,
    long WeightBytes,
    long ActivationBytes,
    double ComputeMs,
    double MemoryMs,
    double OverheadMs,
    double EstimatedMs,
    RooflineBound Bound)
{
    /// <summary>Weight plus activation bytes.</summary>
    public long BytesMoved => WeightBytes + ActivationBytes;
}
