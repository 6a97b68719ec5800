using EdgeOpt.Devices;

namespace EdgeOpt.Analysis.Backends;

/// <summary>
/// onnxruntime-web on WebAssembly runs ORT's CPU kernels: every ONNX operator of the imported opset, ORT's com.microsoft
/// contrib operators and ONNX-ML. Custom domains need a custom-op library the web build cannot load.
/// </summary>
internal sealed class WasmRules : BackendRules
{
    public override AccelerationBackend Backend => AccelerationBackend.Wasm;

    public override string Source =>
        "https://github.com/microsoft/onnxruntime/blob/main/docs/OperatorKernels.md (CPU provider kernels, which the WebAssembly build " +
        "compiles); EdgeOpt runs ORT 1.31.1";

    public override Verdict? Check(NodeFacts node)
    {
        var domain = node.Node.IsOnnxDomain ? "" : node.Node.Domain;
        if (domain is "com.microsoft" or "ai.onnx.ml") return null;
        if (domain.Length > 0)
            return new Verdict(UnsupportedCause.Operator, $"{Key(node.Node)}: custom domain '{domain}' needs a custom-op library");
        if (OnnxOperatorCatalog.SinceVersion(node.OpType) is not { } since)
            return new Verdict(UnsupportedCause.Operator, $"{node.OpType} is not an ONNX operator");
        return since > node.Opset
            ? new Verdict(UnsupportedCause.Opset, $"{node.OpType} was introduced in opset {since}; the model imports opset {node.Opset}")
            : null;
    }
}
