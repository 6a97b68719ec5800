using EdgeOpt.Onnx;
using EdgeOpt.Quantization.Qdq;

namespace EdgeOpt.Quantization.Debugging;

/// <summary>
/// Where one quantized plan entry is read: the float model tensor that holds its real value (for a folded Relu, the
/// Relu's output, since the quantization stands for it), or its constant data; and the <c>DequantizeLinear</c> output
/// that replaced it in the quantized model, if any.
/// </summary>
internal sealed record ProbePoint(TensorQuantization Entry, string Kind, string FloatName, Tensor? Constant, string? DequantizedName)
{
    /// <summary>One point per quantized entry of <paramref name="plan"/>, in plan order.</summary>
    /// <exception cref="UsageException">An entry names no tensor of the float model.</exception>
    public static List<ProbePoint> For(QuantizationPlan plan, Model floatModel, Model quantizedModel)
    {
        var graph = floatModel.Graph;
        var values = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var v in graph.Values()) values.TryAdd(v.Name, v);
        var folded = plan.FoldedActivations.ToHashSet(StringComparer.Ordinal);
        var reluOutputs = graph.Nodes
            .Where(n => n is { OpType: "Relu" or "Clip", IsOnnxDomain: true } && n.Inputs[0] is not null && folded.Contains(QdqOperators.Key(n)))
            .GroupBy(n => n.Inputs[0]!.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Outputs[0].Name, StringComparer.Ordinal);
        var dequantized = DequantizedActivations(quantizedModel.Graph);

        var points = new List<ProbePoint>();
        foreach (var entry in plan.Tensors.Where(t => t.IsQuantized))
        {
            if (!values.TryGetValue(entry.Name, out var value))
                ThrowHelper.Usage($"quantization plan entry '{entry.Name}' names no tensor in the float model '{graph.Name}'");
            if (value!.Initializer is { } tensor && !value.IsGraphInput)
            {
                var kind = entry.Precision == QuantizedPrecision.Int32 ? TensorError.Bias : TensorError.Weight;
                points.Add(new ProbePoint(entry, kind, entry.Name, tensor, null));
            }
            else
            {
                points.Add(new ProbePoint(entry, TensorError.Activation, reluOutputs.GetValueOrDefault(entry.Name, entry.Name), null,
                    dequantized.GetValueOrDefault(entry.Name)));
            }
        }
        return points;
    }

    /// <summary>Float tensor name → output of the <c>QuantizeLinear → DequantizeLinear</c> pair put behind it.</summary>
    private static Dictionary<string, string> DequantizedActivations(Graph graph)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var q in graph.Nodes.Where(n => n is { OpType: "QuantizeLinear", IsOnnxDomain: true }))
        {
            if (q.Inputs[0] is not { } input) continue;
            var dq = q.Outputs[0].Uses.Select(u => u.Node).FirstOrDefault(n => n is { OpType: "DequantizeLinear", IsOnnxDomain: true });
            if (dq is not null) map.TryAdd(input.Name, dq.Outputs[0].Name);
        }
        return map;
    }
}
