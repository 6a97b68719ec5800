using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Quantization.Qdq;

/// <summary>
/// Carries out a <see cref="QuantizationPlan"/> on a model: folds the listed Relus and Clips, replaces each quantized constant
/// by its integer initializer feeding a <c>DequantizeLinear</c>, and puts a <c>QuantizeLinear → DequantizeLinear</c>
/// pair behind each quantized activation. Consumers listed as excluded keep reading the float tensor. Everything
/// the plan names is checked before the first edit, so a mismatch leaves the model untouched.
/// </summary>
internal sealed class QdqRewriter
{
    private readonly Model _model;
    private readonly QuantizationPlan _plan;
    private readonly HashSet<string> _excluded;
    private NameGenerator _names = null!;
    private int _quantizeCount, _dequantizeCount;
    private long _floatBytes, _quantizedBytes;

    public QdqRewriter(Model model, QuantizationPlan plan)
    {
        _model = model;
        _plan = plan;
        _excluded = plan.ExcludedNodes.Select(e => e.Node).ToHashSet(StringComparer.Ordinal);
    }

    public QdqReport Run()
    {
        var graph = _model.Graph;
        PlanValidation.CheckShape(_plan, "quantization plan");
        var values = ValuesByName(graph);
        var nodes = graph.Nodes.GroupBy(QdqOperators.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var relus = new List<Node>();
        foreach (var key in _plan.FoldedActivations)
        {
            if (!nodes.TryGetValue(key, out var relu) || relu.OpType is not ("Relu" or "Clip") || !GraphQueries.CanReplaceValue(relu.Outputs[0], relu.Inputs[0]!))
                ThrowHelper.Usage($"quantization plan folds activation '{key}', but model '{graph.Name}' has no foldable Relu or Clip node of that name");
            relus.Add(relu!);
        }
        var folded = relus.Select(r => r.Outputs[0].Name).ToHashSet(StringComparer.Ordinal);
        var entries = _plan.Tensors.Where(t => t.IsQuantized).ToList();
        foreach (var e in entries)
        {
            if (!values.TryGetValue(e.Name, out var v) || folded.Contains(e.Name))
                ThrowHelper.Usage($"quantization plan entry '{e.Name}' names no tensor in model '{graph.Name}'");
            if (e.Axis is { } axis && (v!.Initializer is not { } t || axis < 0 || axis >= t.Dims.Count || t.Dims[axis] != e.Scales.Count))
                ThrowHelper.Usage($"quantization plan entry '{e.Name}' has {e.Scales.Count} scales along axis {axis}, which does not fit the tensor in model '{graph.Name}'");
        }
        var opset = _model.GetOpset("") ?? 0;
        var needed = entries.Any(e => e.Axis is not null) ? 13 : 10;
        if (opset < needed) OpsetConverter.Convert(_model, 13);

        _names = new NameGenerator(_model);
        foreach (var relu in relus) RemoveActivation(graph, relu);
        values = ValuesByName(graph);
        foreach (var e in entries)
        {
            var v = values[e.Name];
            if (v.Initializer is { } tensor && !v.IsGraphInput) DequantizeConstant(graph, v, tensor, e);
            else QuantizeActivation(graph, v, e);
        }
        return new QdqReport(
            QuantizedTensors: entries.Count,
            QuantizeLinearNodes: _quantizeCount,
            DequantizeLinearNodes: _dequantizeCount,
            FoldedActivations: _plan.FoldedActivations,
            ExcludedNodes: _plan.ExcludedNodes.Select(n => n.Node).ToList(),
            FloatConstantBytes: _floatBytes,
            QuantizedConstantBytes: _quantizedBytes);
    }

    /// <summary>Bypasses a folded Relu/Clip and drops the Clip's bound initializers once nothing else reads them.</summary>
    private static void RemoveActivation(Graph graph, Node activation)
    {
        var bounds = activation.Inputs.Skip(1).OfType<Value>().Where(v => v.Initializer is not null && !v.IsGraphInput).ToList();
        GraphQueries.RemoveNodeAndRewire(activation, activation.Inputs[0]!);
        foreach (var bound in bounds)
            if (GraphQueries.IsUnused(bound)) graph.Initializers.Remove(bound);
    }

    private static Dictionary<string, Value> ValuesByName(Graph graph)
    {
        var map = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var v in graph.Values()) map.TryAdd(v.Name, v);
        return map;
    }

    private void DequantizeConstant(Graph graph, Value value, Tensor tensor, TensorQuantization entry)
    {
        var consumers = ConsumersToRewire(value);
        if (consumers.Count == 0) return;
        var quantized = GraphQueries.AddInitializer(graph, _names, value.Name + "_quantized", QdqMath.Quantize(tensor, entry));
        var (scale, zeroPoint) = AddParameters(graph, value.Name, entry);
        var output = _names.NewValue(value.Name + "_dequantized");
        var dq = Dequantize(quantized, scale, zeroPoint, output, entry);
        graph.InsertNode(0, dq);
        Rewire(consumers, output);
        _floatBytes += tensor.ElementCount * sizeof(float);
        _quantizedBytes += tensor.ElementCount * (entry.Precision == QuantizedPrecision.Int32 ? 4 : 1) + entry.Scales.Count * 8L;
        if (GraphQueries.IsUnused(value)) graph.Initializers.Remove(value);
    }

    private void QuantizeActivation(Graph graph, Value value, TensorQuantization entry)
    {
        var consumers = ConsumersToRewire(value);
        if (consumers.Count == 0) return;
        var (scale, zeroPoint) = AddParameters(graph, value.Name, entry);
        var quantized = _names.NewValue(value.Name + "_quantized");
        var q = new Node("QuantizeLinear", [value, scale, zeroPoint], [quantized], name: _names.Fresh(value.Name + "_QuantizeLinear"));
        var output = _names.NewValue(value.Name + "_dequantized");
        var dq = Dequantize(quantized, scale, zeroPoint, output, entry);
        if (value.Producer is { } producer)
        {
            graph.InsertAfter(producer, q);
            graph.InsertAfter(q, dq);
        }
        else
        {
            graph.InsertNode(0, q);
            graph.InsertNode(1, dq);
        }
        _quantizeCount++;
        Rewire(consumers, output);
    }

    private Node Dequantize(Value quantized, Value scale, Value zeroPoint, Value output, TensorQuantization entry)
    {
        var dq = new Node("DequantizeLinear", [quantized, scale, zeroPoint], [output], name: _names.Fresh(output.Name.Replace("_dequantized", "", StringComparison.Ordinal) + "_DequantizeLinear"));
        if (entry.Axis is { } axis) dq.Attributes.Set(OnnxAttribute.Int("axis", axis));
        _dequantizeCount++;
        return dq;
    }

    private (Value Scale, Value ZeroPoint) AddParameters(Graph graph, string name, TensorQuantization entry) =>
        (GraphQueries.AddInitializer(graph, _names, name + "_scale", QdqMath.Scales("s", entry)),
         GraphQueries.AddInitializer(graph, _names, name + "_zero_point", QdqMath.ZeroPoints("z", entry)));

    /// <summary>Every use of <paramref name="value"/> except by excluded nodes (they stay float).</summary>
    private List<Usage> ConsumersToRewire(Value value) =>
        value.Uses.Where(u => !_excluded.Contains(QdqOperators.Key(u.Node))).ToList();

    private static void Rewire(List<Usage> uses, Value replacement)
    {
        foreach (var use in uses) use.Node.SetInput(use.Index, replacement);
    }
}
