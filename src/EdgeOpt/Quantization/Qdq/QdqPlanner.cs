using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;
using EdgeOpt.Quantization.Internal;

namespace EdgeOpt.Quantization.Qdq;

/// <summary>
/// Computes a <see cref="QuantizationPlan"/> without touching the model. Walks the main graph in topological order:
/// every quantizable node gets entries for its float data inputs and its output (activations from calibration
/// ranges, constants from their values), Conv/Gemm/MatMul weights int8 symmetric (per output channel), and biases
/// int32 with scale = input scale × weight scale. Scale-sharing ops copy their input's entry to their output. A Relu,
/// or a Clip whose constant bounds contain its calibrated range, right after a quantized op (asymmetric activations
/// only) is folded: the producer's output takes the activation's range.
/// </summary>
internal sealed class QdqPlanner
{
    private readonly Model _model;
    private readonly IReadOnlyDictionary<string, TensorRange> _ranges;
    private readonly QdqOptions _options;
    private readonly List<TensorQuantization> _entries = [];
    private readonly Dictionary<string, TensorQuantization> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _alias = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _rangeSource = new(StringComparer.Ordinal);
    private readonly List<ExcludedNode> _excluded = [];
    private readonly List<string> _folded = [];
    private HashSet<Node> _selected = [];

    public QdqPlanner(Model model, IReadOnlyDictionary<string, TensorRange> ranges, QdqOptions options)
    {
        _model = model;
        _ranges = ranges;
        _options = options;
    }

    public QuantizationPlan Run()
    {
        var graph = _model.Graph;
        var order = graph.TopologicalOrder();
        var (selected, excludedNames) = Select(order);
        PruneOutsideIntegerRegions(order, selected);
        _selected = selected;

        if (!_options.SymmetricActivations) FoldActivations(order, selected, excludedNames);

        foreach (var node in order.Where(selected.Contains))
        {
            if (QdqOperators.Compute.Contains(node.OpType)) PlanCompute(node);
            else PlanShared(node);
        }

        return new QuantizationPlan
        {
            ModelName = graph.Name,
            ActivationType = _options.ActivationType,
            WeightType = QuantizedPrecision.Int8,
            PerChannel = _options.PerChannel,
            SymmetricActivations = _options.SymmetricActivations,
            CalibrationMethod = _options.CalibrationMethod,
            CalibrationSamples = _options.CalibrationSamples,
            Tensors = _entries,
            ExcludedNodes = _excluded,
            FoldedActivations = _folded,
        };
    }

    /// <summary>
    /// Throws the usage errors <see cref="Run"/> would (bad options, old opset, unfolded BatchNormalization, unknown
    /// excluded names, nothing quantizable) without needing ranges: call it before an expensive calibration.
    /// </summary>
    /// <returns>The keys of the compute nodes that would be quantized, in topological order.</returns>
    public static List<string> CheckQuantizable(Model model, QdqOptions options)
    {
        var order = model.Graph.TopologicalOrder();
        var (selected, _) = new QdqPlanner(model, new Dictionary<string, TensorRange>(), options).Select(order);
        return order.Where(n => selected.Contains(n) && QdqOperators.Compute.Contains(n.OpType)).Select(QdqOperators.Key).ToList();
    }

    private (HashSet<Node> Selected, HashSet<string> ExcludedNames) Select(IReadOnlyList<Node> order)
    {
        CheckModel();
        var graph = _model.Graph;
        var excludedNames = NodeSelection.Excluded(graph, _options.ExcludedNodes, outputNamesOfUnnamed: true);
        var selected = new HashSet<Node>();
        foreach (var node in order.Where(QdqOperators.IsQuantizable))
        {
            var reason = excludedNames.Contains(QdqOperators.Key(node)) ? "excluded by name"
                : _options.ExcludedOpTypes.Contains(node.OpType, StringComparer.Ordinal) ? $"operator {node.OpType} excluded"
                : WhyNotQuantizable(node);
            if (reason is null) selected.Add(node);
            else Exclude(node, reason);
        }
        if (!selected.Any(n => QdqOperators.Compute.Contains(n.OpType)))
            ThrowHelper.Usage($"model '{graph.Name}' has no quantizable operators (supported: {string.Join(", ", QdqOperators.Compute)}"
                + (_excluded.Count > 0 ? $"; excluded: {string.Join(", ", _excluded.Select(e => e.Node))})" : ")"));
        return (selected, excludedNames);
    }

    /// <summary>Adds and Muls that ORT could not fuse stay float (<see cref="IntegerRegions"/>), unless nothing else would be quantized.</summary>
    private void PruneOutsideIntegerRegions(IReadOnlyList<Node> order, HashSet<Node> selected)
    {
        var kept = new HashSet<Node>(selected);
        var pruned = IntegerRegions.PruneElementwise(order, kept);
        if (pruned.Count == 0 || !kept.Any(n => QdqOperators.Compute.Contains(n.OpType))) return;
        foreach (var node in pruned)
        {
            selected.Remove(node);
            Exclude(node, "not between quantized operators: ORT would run it in float, so quantizing it would only add rounding");
        }
    }

    private void CheckModel()
    {
        if (_options.ActivationType is not (QuantizedPrecision.UInt8 or QuantizedPrecision.Int8))
            ThrowHelper.Usage($"activation type must be uint8 or int8, not {_options.ActivationType}");
        var opset = _model.GetOpset("") ?? 0;
        if (opset < 10)
            ThrowHelper.Usage($"model '{_model.Graph.Name}' uses opset {opset}; QDQ quantization needs opset 10 or later (convert it with OpsetConverter)");
        if (_options.PerChannel && opset < 13)
            ThrowHelper.Usage($"model '{_model.Graph.Name}' uses opset {opset}; per-channel quantization needs opset 13 or later (convert it with OpsetConverter, or turn per-channel off)");
        if (_model.Graph.Nodes.FirstOrDefault(n => n.OpType == "BatchNormalization") is { } bn)
            ThrowHelper.Usage($"{bn.DisplayName} must be folded before quantization: run ModelOptimizer (level Extended) first");
    }

    private static string? WhyNotQuantizable(Node node)
    {
        switch (node.OpType)
        {
            case "Conv" or "ConvTranspose":
                return IsFloatConstant(node.Inputs.ElementAtOrDefault(1)) ? null : "its weight is not a constant float tensor";
            case "Gemm":
                if (node.Attributes.GetInt("transA", 0) != 0) return "Gemm with transA = 1 is left in float";
                return GraphQueries.TryGetConstant(node.Inputs.ElementAtOrDefault(1)) is { DataType: DataType.Float, Dims.Count: 2 }
                    ? null : "its B input is not a constant float matrix";
            default:
                return node.Inputs.Count > 0 && node.Inputs[0] is { } x && x.ElementType is null or DataType.Float
                    ? null : "its input is not float";
        }
    }

    private static bool IsFloatConstant(Value? v) => GraphQueries.TryGetConstant(v) is { DataType: DataType.Float };

    private void Exclude(Node node, string reason)
    {
        _excluded.Add(new ExcludedNode(QdqOperators.Key(node), node.OpType, reason));
        foreach (var input in node.Inputs)
            if (input is { Initializer: not null } && IsFloatConstant(input) && !_byName.ContainsKey(input.Name))
                Add(new TensorQuantization(input.Name, QuantizedPrecision.Float, [], [], Reason: $"input of {node.DisplayName}: {reason}"));
    }

    /// <summary>
    /// Removes a Relu, or a Clip with constant bounds, that directly follows a quantized compute op: the producer's
    /// output takes the activation's calibrated range, and since that range (widened to include zero) lies within the
    /// activation's bounds, quantizing to it clamps exactly as the activation did.
    /// </summary>
    private void FoldActivations(IReadOnlyList<Node> order, HashSet<Node> selected, HashSet<string> excludedNames)
    {
        foreach (var activation in order)
        {
            if (activation is not { OpType: "Relu" or "Clip", IsOnnxDomain: true } || excludedNames.Contains(QdqOperators.Key(activation))
                || _options.ExcludedOpTypes.Contains(activation.OpType, StringComparer.Ordinal)) continue;
            if (activation.Inputs[0] is not { Producer: { } producer } input || !selected.Contains(producer)
                || !QdqOperators.Compute.Contains(producer.OpType)) continue;
            if (!GraphQueries.HasSingleConsumer(input) || activation.Outputs[0].IsGraphOutput) continue;
            if (activation.OpType == "Clip" && !ClipIsNoOpAfterQuantization(activation)) continue;
            _alias[activation.Outputs[0].Name] = input.Name;
            _rangeSource[input.Name] = activation.Outputs[0].Name;
            _folded.Add(QdqOperators.Key(activation));
        }
    }

    private bool ClipIsNoOpAfterQuantization(Node clip)
    {
        if (QdqOperators.ClipBounds(clip, _model.GetOpset("") ?? 0) is not { } bounds
            || !_ranges.TryGetValue(clip.Outputs[0].Name, out var range)) return false;
        var quantized = range.WithZero();
        return bounds.Min <= quantized.Min && quantized.Max <= bounds.Max;
    }

    private string Resolve(Value v) => _alias.GetValueOrDefault(v.Name, v.Name);

    private void PlanCompute(Node node)
    {
        switch (node.OpType)
        {
            case "Conv":
                PlanWeighted(node, weightAxis: 0);
                break;
            case "ConvTranspose":
                // Weight is [C_in, C_out/group, k...]: output channels lie on axis 1, and only cover all of them when group = 1.
                PlanWeighted(node, weightAxis: node.Attributes.GetInt("group", 1) == 1 ? 1 : null);
                break;
            case "Gemm":
                PlanWeighted(node, weightAxis: node.Attributes.GetInt("transB", 0) != 0 ? 0 : 1);
                break;
            default:
                foreach (var i in QdqOperators.DataInputs(node))
                {
                    var input = node.Inputs[i];
                    if (input is null) continue;
                    if (node.OpType == "MatMul" && i == 1 && GraphQueries.TryGetConstant(input) is { DataType: DataType.Float, Dims.Count: 2 })
                        PlanWeight(input, axis: 1);
                    else
                        PlanActivation(input, node);
                }
                break;
        }
        PlanOutput(node);
    }

    private void PlanWeighted(Node node, int? weightAxis)
    {
        var x = PlanActivation(node.Inputs[0]!, node);
        var w = PlanWeight(node.Inputs[1]!, weightAxis);
        if (node.Inputs.ElementAtOrDefault(2) is not { } bias || x is null || w is null) return;
        var gemmScaled = node.OpType == "Gemm" && (node.Attributes.GetFloat("alpha", 1f) != 1f || node.Attributes.GetFloat("beta", 1f) != 1f);
        var channels = w.Scales.Count;
        if (gemmScaled || GraphQueries.TryGetConstant(bias) is not { DataType: DataType.Float } b || bias.Initializer is null
            || b.Dims.Count(d => d != 1) > 1 || (channels > 1 && b.ElementCount != channels))
        {
            AddIfNew(new TensorQuantization(bias.Name, QuantizedPrecision.Float, [], [],
                Reason: $"bias of {node.DisplayName} is not a constant per-output-channel vector (or alpha/beta differ from 1)"));
            return;
        }
        if (_byName.ContainsKey(bias.Name)) return;
        var scales = w.Scales.Select(s => x.Scales[0] * s).ToArray();
        int? axis = channels > 1 ? b.Dims.Count - 1 : null;
        Add(new TensorQuantization(bias.Name, QuantizedPrecision.Int32, scales, new int[scales.Length], axis));
    }

    private TensorQuantization? PlanWeight(Value weight, int? axis)
    {
        if (_byName.TryGetValue(weight.Name, out var existing)) return existing.IsQuantized ? existing : null;
        var tensor = GraphQueries.TryGetConstant(weight)!;
        if (weight.Initializer is null)
        {
            Add(new TensorQuantization(weight.Name, QuantizedPrecision.Float, [], [], Reason: "a Constant node output, not an initializer"));
            return null;
        }
        var channelAxis = _options.PerChannel ? axis : null;
        var scales = QdqMath.WeightScales(tensor.ToSingleArray(), tensor.Dims, channelAxis);
        return Add(new TensorQuantization(weight.Name, QuantizedPrecision.Int8, scales, new int[scales.Length], channelAxis));
    }

    private TensorQuantization? PlanActivation(Value value, Node consumer)
    {
        var key = Resolve(value);
        if (_byName.TryGetValue(key, out var existing)) return existing.IsQuantized ? existing : null;
        if (value.ElementType is { } t && t != DataType.Float) return null;
        TensorRange range;
        if (GraphQueries.TryGetConstant(value) is { } constant)
        {
            if (constant.DataType != DataType.Float || value.Initializer is null) return null;
            var data = constant.ToSingleArray();
            range = data.Length == 0 ? default : new TensorRange(data.Min(), data.Max());
        }
        else if (!_ranges.TryGetValue(_rangeSource.GetValueOrDefault(key, key), out range))
        {
            ThrowHelper.Usage($"no activation range for tensor '{_rangeSource.GetValueOrDefault(key, key)}', needed to quantize {consumer.DisplayName}: calibrate it or exclude the node");
        }
        if (!float.IsFinite(range.Min) || !float.IsFinite(range.Max) || range.Min > range.Max)
            ThrowHelper.Usage($"activation range of tensor '{key}' is [{range.Min}, {range.Max}]; expected finite numbers with min <= max");
        return Add(ActivationEntry(key, range));
    }

    private void PlanOutput(Node node)
    {
        var output = node.Outputs[0];
        if (output.IsGraphOutput || _byName.ContainsKey(output.Name)) return;
        // ORT fuses DQ → MatMul without a Q after it into MatMulIntegerToFloat: re-quantizing is only worth it for a quantized consumer.
        if (node.OpType == "MatMul" && !IntegerRegions.FeedsQuantized(node, _selected)) return;
        var source = _rangeSource.GetValueOrDefault(output.Name, output.Name);
        if (!_ranges.TryGetValue(source, out var range))
            ThrowHelper.Usage($"no activation range for tensor '{source}', the output of {node.DisplayName}: calibrate it or exclude the node");
        Add(ActivationEntry(output.Name, range));
    }

    private void PlanShared(Node node)
    {
        var input = node.Inputs[0]!;
        var key = Resolve(input);
        if (!_byName.TryGetValue(key, out var entry))
        {
            // A pure shape op after something float stays float; pools and Resize quantize their input themselves.
            if (!QdqOperators.RangeRequired.Contains(node.OpType)) return;
            entry = PlanActivation(input, node);
        }
        if (entry is not { IsQuantized: true }) return;
        var output = node.Outputs[0];
        if (output.IsGraphOutput || _byName.ContainsKey(output.Name)) return;
        Add(entry with { Name = output.Name });
    }

    private TensorQuantization ActivationEntry(string name, TensorRange range)
    {
        var (scale, zeroPoint) = QdqMath.Activation(range, _options.ActivationType, _options.SymmetricActivations);
        return new TensorQuantization(name, _options.ActivationType, [scale], [zeroPoint], null, range.Min, range.Max);
    }

    private TensorQuantization Add(TensorQuantization entry)
    {
        _entries.Add(entry);
        _byName[entry.Name] = entry;
        return entry;
    }

    private void AddIfNew(TensorQuantization entry)
    {
        if (!_byName.ContainsKey(entry.Name)) Add(entry);
    }
}
