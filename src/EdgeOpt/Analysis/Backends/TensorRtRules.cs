using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis.Backends;

/// <summary>
/// ORT's TensorRT execution provider, which hands the graph to the onnx-tensorrt parser. Encoded from onnx-tensorrt's
/// docs/operators.md for TensorRT 10.0: default-domain operators only (contrib ops fall back to CUDA/CPU), opsets 9 to 20,
/// and its data types (no strings). The per-operator "N" rows and restrictions are not encoded: treat a pass here as
/// "the parser is expected to take it". Dynamic shapes work but need optimization profiles, which raises a suggestion.
/// </summary>
internal sealed class TensorRtRules : BackendRules
{
    private const int MinOpset = 9;
    private const int MaxOpset = 20;

    public override AccelerationBackend Backend => AccelerationBackend.TensorRt;

    public override string Source =>
        "https://github.com/onnx/onnx-tensorrt/blob/main/docs/operators.md (TensorRT 10.0: opset 9 to 20; DOUBLE, FLOAT32, FLOAT16, " +
        "BFLOAT16, INT32, INT64, FP8, INT8, INT4, UINT8, BOOL); operator rows not encoded; EdgeOpt runs ORT 1.31.1";

    public override Verdict? Check(NodeFacts node)
    {
        if (!node.Node.IsOnnxDomain)
            return new Verdict(UnsupportedCause.Operator, $"{Key(node.Node)} is not an ONNX operator; the TensorRT parser only takes the default domain");
        if (OnnxOperatorCatalog.SinceVersion(node.OpType) is null)
            return new Verdict(UnsupportedCause.Operator, $"{node.OpType} is not an ONNX operator");
        if (node.Opset is < MinOpset or > MaxOpset)
            return new Verdict(UnsupportedCause.Opset, $"TensorRT 10 parses opsets {MinOpset} to {MaxOpset}; the model imports opset {node.Opset}");
        return node.ComputedValues().FirstOrDefault(v => v.ElementType is DataType.String or DataType.Complex64 or DataType.Complex128
                or DataType.UInt16 or DataType.UInt32 or DataType.UInt64 or DataType.Int16) is { } bad
            ? new Verdict(UnsupportedCause.DataType, $"TensorRT has no {bad.ElementType!.Value.OnnxName()} tensors ('{bad.Name}')")
            : null;
    }
}
