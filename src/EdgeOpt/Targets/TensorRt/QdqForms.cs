using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// The two forms of a QDQ model TensorRT takes. Explicit quantization (<see cref="ForTensorRt"/>): TensorRT's ONNX parser
/// only dequantizes activations ("only activation types allowed as input to this layer" for a DequantizeLinear of a
/// constant, onnx-tensorrt#850 and ORT#14229), so int32 biases become float constants and int8 weights become float
/// constants behind a QuantizeLinear → DequantizeLinear pair, which TensorRT folds into int8 weights (what ORT's
/// <c>AddQDQPairToWeight</c> option writes for TensorRT). Implicit quantization (<see cref="WithoutQdq"/>): the float graph
/// with the activation names the plan has ranges for, for the calibration caches (TensorRT and ORT's TensorRT EP refuse a
/// calibration table on a model holding Q/DQ nodes).
/// </summary>
internal static class QdqForms
{
    /// <summary>Rewrites <paramref name="model"/> in place for TensorRT; returns the constants changed.</summary>
    public static int ForTensorRt(Model model)
    {
        var names = new NameGenerator(model);
        var changed = 0;
        foreach (var graph in model.Graph.AllGraphs().ToList())
            foreach (var dq in graph.Nodes.Where(IsDequantize).ToList())
            {
                if (GraphQueries.TryGetConstant(dq.Inputs[0]) is not { } quantized || Dequantized(dq, quantized) is not { } real) continue;
                if (quantized.DataType == DataType.Int32)
                {
                    // A bias: the float constant is what DequantizeLinear computes.
                    if (ReplaceWithConstant(graph, names, dq, real)) changed++;
                    continue;
                }
                var weight = GraphQueries.AddInitializer(graph, names, BaseName(dq.Inputs[0]!.Name), real);
                var codes = new Value(names.Fresh(weight.Name + "_quantized"));
                var q = new Node("QuantizeLinear", [weight, dq.Inputs[1], dq.Inputs.ElementAtOrDefault(2)], [codes], name: names.Fresh(weight.Name + "_QuantizeLinear"));
                if (dq.Attributes["axis"] is { } axis) q.Attributes.Set(axis);
                var old = dq.Inputs[0]!;
                graph.InsertBefore(dq, q);
                dq.SetInput(0, codes);
                if (old.Initializer is not null && GraphQueries.IsUnused(old)) graph.Initializers.Remove(old);
                changed++;
            }
        return changed;
    }

    /// <summary>Rewrites <paramref name="model"/> in place to float: constants dequantized, activation Q → DQ pairs removed.</summary>
    public static void WithoutQdq(Model model)
    {
        var names = new NameGenerator(model);
        foreach (var graph in model.Graph.AllGraphs().ToList())
        {
            foreach (var dq in graph.Nodes.Where(IsDequantize).ToList())
                if (GraphQueries.TryGetConstant(dq.Inputs[0]) is { } quantized && Dequantized(dq, quantized) is { } real)
                    ReplaceWithConstant(graph, names, dq, real);
            foreach (var q in graph.Nodes.Where(n => n.IsOnnxDomain && n.OpType == "QuantizeLinear").ToList())
            {
                var codes = q.Outputs[0];
                if (codes.IsGraphOutput || codes.Uses.Any(u => !IsDequantize(u.Node))) continue;
                foreach (var dq in codes.Uses.Select(u => u.Node).Distinct().ToList()) GraphQueries.TryRemoveNodeAndRewire(dq, q.Inputs[0]!);
                if (GraphQueries.IsUnused(codes)) graph.RemoveNode(q);
            }
            foreach (var constant in graph.Initializers.Where(GraphQueries.IsUnused).ToList()) graph.Initializers.Remove(constant);
        }
    }

    private static bool IsDequantize(Node node) => node.IsOnnxDomain && node.OpType == "DequantizeLinear" && node.Inputs.Count >= 2;

    private static bool ReplaceWithConstant(Graph graph, NameGenerator names, Node dq, Tensor real)
    {
        var constant = GraphQueries.AddInitializer(graph, names, BaseName(dq.Outputs[0].Name), real);
        var inputs = dq.Inputs.OfType<Value>().ToList();
        if (!GraphQueries.TryRemoveNodeAndRewire(dq, constant))
        {
            graph.Initializers.Remove(constant);
            return false;
        }
        foreach (var input in inputs)
            if (input.Initializer is not null && GraphQueries.IsUnused(input)) graph.Initializers.Remove(input);
        return true;
    }

    // The quantizer names its constants <name>_quantized and <name>_dequantized: give the float constant <name> back.
    private static string BaseName(string name)
    {
        foreach (var suffix in new[] { "_quantized", "_dequantized" })
            if (name.EndsWith(suffix, StringComparison.Ordinal)) return name[..^suffix.Length];
        return name + "_float";
    }

    /// <summary>
    /// What DequantizeLinear computes for a constant, the way ONNX Runtime's kernel does: <c>(float)(q − zp) × scale</c>
    /// in float32, per tensor or per slice along <c>axis</c>. Null for a form this does not handle (blocked, or not float out).
    /// </summary>
    internal static Tensor? Dequantized(Node dq, Tensor quantized)
    {
        if (GraphQueries.TryGetConstant(dq.Inputs[1]) is not { DataType: DataType.Float } scaleTensor) return null;
        if (dq.Attributes["block_size"] is { } block && block.AsInt() != 0) return null;
        var zeroPointTensor = dq.Inputs.ElementAtOrDefault(2) is { } zpValue ? GraphQueries.TryGetConstant(zpValue) : null;
        if (dq.Inputs.ElementAtOrDefault(2) is not null && zeroPointTensor is null) return null;
        if (quantized.DataType is not (DataType.Int8 or DataType.UInt8 or DataType.Int32)) return null;

        var codes = quantized.ToInt64Array();
        var scales = scaleTensor.ToSingleArray();
        var zeroPoints = zeroPointTensor?.ToInt64Array() ?? new long[scales.Length];
        var dims = quantized.Dims.ToArray();
        long channels = 1, inner = codes.Length;
        if (scales.Length > 1 || scaleTensor.Dims.Count == 1)
        {
            var axis = (int)(dq.Attributes["axis"]?.AsInt() ?? 1);
            if (axis < 0) axis += dims.Length;
            if (axis < 0 || axis >= dims.Length || dims[axis] != scales.Length || zeroPoints.Length != scales.Length) return null;
            channels = dims[axis];
            inner = 1;
            for (var d = axis + 1; d < dims.Length; d++) inner *= dims[d];
        }
        var real = new float[codes.Length];
        for (var i = 0; i < codes.Length; i++)
        {
            var c = channels == 1 ? 0 : (int)(i / inner % channels);
            real[i] = (float)(codes[i] - zeroPoints[c]) * scales[c];
        }
        return Tensor.Create<float>("dequantized", real, dims);
    }
}
