using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// Whether a model's weights have the 2:4 structured sparsity TensorRT's sparse Tensor Core kernels use
/// (<c>trtexec --sparsity=enable</c>): in every group of four consecutive input channels (for each output channel and
/// kernel position) at least two weights are zero. Conv weights [K, C, ...] group along C; Gemm/MatMul along the
/// reduction dim. Weights behind a DequantizeLinear are read as their integer codes (zero stays zero). Layers with
/// fewer than four input channels (an RGB stem) cannot use the sparse kernels and do not count either way.
/// </summary>
internal static class SparsityDetector
{
    /// <param name="Layers">Conv/Gemm/MatMul nodes with constant weights of four or more input channels.</param>
    /// <param name="Sparse">Those whose weights are 2:4 sparse.</param>
    public sealed record Result(int Layers, int Sparse)
    {
        /// <summary>Every counted layer is 2:4 sparse (and there is at least one).</summary>
        public bool IsTwoFour => Layers > 0 && Sparse == Layers;
    }

    public static Result Detect(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int layers = 0, sparse = 0;
        foreach (var node in model.Graph.AllNodes().Where(n => n.IsOnnxDomain))
        {
            if (Weight(node) is not { } weight) continue;
            var (values, dims, axis) = weight;
            if (dims[axis] < 4) continue;
            layers++;
            if (IsTwoFour(values, dims, axis)) sparse++;
        }
        return new Result(layers, sparse);
    }

    /// <summary>Whether every group of 4 along <paramref name="axis"/> (the last partial group as if padded with zeros) has at most two non-zeros.</summary>
    internal static bool IsTwoFour(float[] values, IReadOnlyList<long> dims, int axis)
    {
        long inner = 1;
        for (var d = axis + 1; d < dims.Count; d++) inner *= dims[d];
        var channels = dims[axis];
        var outer = values.Length / (channels * inner);
        for (long o = 0; o < outer; o++)
            for (long i = 0; i < inner; i++)
                for (long start = 0; start < channels; start += 4)
                {
                    var nonZero = 0;
                    for (var c = start; c < Math.Min(start + 4, channels); c++)
                        if (values[(((o * channels) + c) * inner) + i] != 0) nonZero++;
                    if (nonZero > 2) return false;
                }
        return true;
    }

    // The weight's values, dims and input-channel axis for Conv (W [K, C/group, ...], axis 1), Gemm (B, axis 0, or 1 when
    // transB) and MatMul with a constant 2-D second input (B [K, N], axis 0).
    private static (float[] Values, long[] Dims, int Axis)? Weight(Node node)
    {
        int? axis = node.OpType switch
        {
            "Conv" => 1,
            "Gemm" => node.Attributes["transB"]?.AsInt() == 1 ? 1 : 0,
            "MatMul" => 0,
            _ => null,
        };
        if (axis is not { } a || node.Inputs.ElementAtOrDefault(1) is not { } input || Constant(input) is not { } tensor) return null;
        var dims = tensor.Dims.ToArray();
        if (node.OpType == "MatMul" ? dims.Length != 2 : dims.Length <= a) return null;
        return (tensor.ToSingleArray(), dims, a);
    }

    private static Tensor? Constant(Value value)
    {
        if (GraphQueries.TryGetConstant(value) is { } tensor) return tensor;
        // Through the Q/DQ pair of an explicit-quantization weight, or a DequantizeLinear of int8 codes.
        var producer = value.Producer;
        if (producer is { OpType: "DequantizeLinear" } && producer.Inputs[0] is { } codes)
            return GraphQueries.TryGetConstant(codes) ?? (codes.Producer is { OpType: "QuantizeLinear" } q && q.Inputs[0] is { } w ? GraphQueries.TryGetConstant(w) : null);
        return null;
    }
}
