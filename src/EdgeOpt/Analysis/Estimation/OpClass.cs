using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis.Estimation;

/// <summary>
/// Groups operators by how well a processor runs them: dense Conv (3×3 and larger, or 1×1) and MatMul reach a large share of peak,
/// depthwise Conv and elementwise ops far less (little reuse per byte), copies only move bytes, views move nothing.
/// </summary>
internal enum OpClass
{
    Conv,
    PointwiseConv,
    DepthwiseConv,
    MatMul,
    Elementwise,
    Copy,
    View,
}

internal static class OpClassifier
{
    // Ops ONNX Runtime (and most edge runtimes) run without touching the data: only shape metadata changes.
    private static readonly HashSet<string> Views = new(StringComparer.Ordinal)
    {
        "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Dropout", "Shape", "Size", "Constant",
    };

    // Runtimes fold these into a preceding Conv/Gemm/MatMul (ORT: ConvBNFusion, ConvActivationFusion, GemmActivationFusion;
    // TensorRT, Core ML and NNAPI delegates do the same), so they cost no extra pass over memory.
    private static readonly HashSet<string> Fusable = new(StringComparer.Ordinal)
    {
        "BatchNormalization", "Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid",
    };

    public static OpClass Classify(Node node, long macs, long flops)
    {
        if (node.IsOnnxDomain && Views.Contains(node.OpType)) return OpClass.View;
        if (macs > 0)
            return node.OpType switch
            {
                "Conv" or "ConvInteger" or "QLinearConv" when IsDepthwise(node) => OpClass.DepthwiseConv,
                "Conv" or "ConvInteger" or "QLinearConv" when IsPointwise(node) => OpClass.PointwiseConv,
                "Conv" or "ConvInteger" or "QLinearConv" or "ConvTranspose" => OpClass.Conv,
                _ => OpClass.MatMul,
            };
        return flops > 0 ? OpClass.Elementwise : OpClass.Copy;
    }

    /// <summary>
    /// Whether <paramref name="node"/> runs inside the Conv/Gemm/MatMul (or fused chain) that feeds it. With
    /// <paramref name="residualAdd"/> an Add of a Conv's output to another tensor counts too, as GPU runtimes fuse it into
    /// the convolution's epilogue (TensorRT, cuDNN's conv-bias-add-activation).
    /// </summary>
    public static bool IsFusedIntoProducer(Node node, IReadOnlySet<Node> fused, bool residualAdd = false)
    {
        if (residualAdd && node is { IsOnnxDomain: true, OpType: "Add", Inputs.Count: 2 } &&
            node.Inputs.Any(i => i is { Producer: { } p, Uses.Count: 1 } && (p is { IsOnnxDomain: true, OpType: "Conv" } || fused.Contains(p) && p.OpType != "Add")))
            return true;
        if (!node.IsOnnxDomain || !Fusable.Contains(node.OpType) || node.Inputs.Count == 0) return false;
        var input = node.Inputs[0];
        if (input?.Producer is not { } producer || input.Uses.Count != 1 || graphOutput(input)) return false;
        return fused.Contains(producer)
            || producer.IsOnnxDomain && producer.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul" or "FusedConv";

        static bool graphOutput(Value v) => v.OwningGraph is { } g && g.Outputs.Contains(v);
    }

    private static bool IsDepthwise(Node node)
    {
        var group = node.Attributes.GetInt("group", 1);
        var index = node.OpType == "QLinearConv" ? 3 : 1;
        var weight = index < node.Inputs.Count ? node.Inputs[index] : null;
        return group > 1 && weight?.Initializer is { Dims: [_, 1, ..] };
    }

    // A 1×1 kernel without groups: a GEMM over the pixels, which runtimes run at a different share of peak than 3×3.
    private static bool IsPointwise(Node node)
    {
        var index = node.OpType == "QLinearConv" ? 3 : 1;
        var weight = index < node.Inputs.Count ? node.Inputs[index] : null;
        IReadOnlyList<long?>? dims = weight?.Initializer is { } w ? [.. w.Dims.Select(d => (long?)d)] : weight?.Shape?.Select(d => d.Value).ToList();
        return node.Attributes.GetInt("group", 1) == 1 && dims is { Count: > 2 } && dims.Skip(2).All(d => d == 1);
    }

    public static string Name(this OpClass c) => c switch
    {
        OpClass.Conv => "conv",
        OpClass.PointwiseConv => "pointwise-conv",
        OpClass.DepthwiseConv => "depthwise-conv",
        OpClass.MatMul => "matmul",
        OpClass.Elementwise => "elementwise",
        OpClass.Copy => "copy",
        _ => "view",
    };
}
