using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Inference;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// Follows output channels of Conv/ConvTranspose/Gemm/MatMul weights through an ONNX graph and ties together
/// everything that must lose the same channels (a dependency group). Each producer creates a channel space (an atom);
/// ops that pass channels through keep the tensor's <see cref="ChannelLayout"/>; elementwise ops with several
/// channel-carrying inputs (residual Add) merge their atoms; Concat lays atoms end to end and Split takes them apart;
/// Flatten/Reshape fold spatial positions behind each channel. An op no rule covers blocks the atoms reaching it,
/// with a reason: those channels stay, so the result is never a broken model.
/// </summary>
internal sealed class DependencyGraph
{
    private readonly List<int> _parent = [];
    private readonly List<int> _length = [];
    private readonly List<string?> _blocked = [];
    private readonly Dictionary<Value, ChannelLayout> _layouts = [];
    private readonly HashSet<string> _excluded;
    private readonly long _opset;

    private DependencyGraph(long opset, IReadOnlyCollection<string> excluded)
    {
        _opset = opset;
        _excluded = excluded.ToHashSet(StringComparer.Ordinal);
    }

    public List<ChannelProducer> Producers { get; } = [];
    public List<ChannelConsumer> Consumers { get; } = [];
    public List<ChannelEdit> Edits { get; } = [];
    public List<MacTerm> MacTerms { get; } = [];

    /// <summary>Per-channel output scale of a producer's atom (|γ|/σ of the BatchNormalization right after it).</summary>
    public Dictionary<int, float[]> OutputScales { get; } = [];

    /// <summary>Value name and layout of every producer output, for activation importance.</summary>
    public Dictionary<int, (string Value, TensorShape? Shape, int Axis)> ProducerOutputs { get; } = [];

    public IReadOnlyList<ChannelGroup> Groups { get; private set; } = [];

    /// <summary>Channels of an atom.</summary>
    public int AtomLength(int atom) => _length[atom];

    /// <summary>Atoms of the same group share one root.</summary>
    public int Find(int atom)
    {
        while (_parent[atom] != atom)
        {
            _parent[atom] = _parent[_parent[atom]];
            atom = _parent[atom];
        }
        return atom;
    }

    /// <summary>Builds the groups of <paramref name="typed"/>, a copy of the model with inferred shapes (names are kept, so edits apply to any copy).</summary>
    public static DependencyGraph Build(Model typed, IReadOnlyCollection<string> excluded)
    {
        var graph = new DependencyGraph(typed.GetOpset() ?? 1, excluded);
        graph.Walk(typed.Graph);
        return graph;
    }

    private int NewAtom(int length, string? blocked = null)
    {
        var id = _parent.Count;
        _parent.Add(id);
        _length.Add(length);
        _blocked.Add(blocked);
        return id;
    }

    private void Union(int a, int b)
    {
        a = Find(a);
        b = Find(b);
        if (a == b) return;
        _parent[b] = a;
        _blocked[a] ??= _blocked[b];
    }

    private void Block(ChannelLayout? layout, string reason)
    {
        if (layout is null) return;
        foreach (var atom in layout.Atoms) Block(atom, reason);
    }

    private void Block(int atom, string reason)
    {
        var root = Find(atom);
        _blocked[root] ??= reason;
    }

    private ChannelLayout? LayoutOf(Value? value) => value is not null && _layouts.TryGetValue(value, out var l) ? l : null;

    private void SetLayout(Value value, ChannelLayout layout)
    {
        if (value.Name.Length == 0) return;
        _layouts[value] = layout;
        Edits.Add(new SetValueDim(value.Name, layout));
    }

    private void Walk(Graph graph)
    {
        var order = graph.TopologicalOrder();
        for (var i = 0; i < order.Count; i++)
        {
            var node = order[i];
            var tracked = node.Inputs.Select(LayoutOf).ToArray();
            var display = node.DisplayName;
            try
            {
                Visit(node, i, tracked);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or OverflowException or IndexOutOfRangeException or EdgeOptException)
            {
                // A malformed attribute or an unexpected shape: the channels stop here rather than the run.
                foreach (var l in tracked) Block(l, $"{display}: {e.Message}");
                foreach (var o in node.Outputs) Block(LayoutOf(o), $"{display}: {e.Message}");
            }
            if (IsExcluded(node))
            {
                var reason = $"node {display} is excluded";
                foreach (var l in tracked) Block(l, reason);
                foreach (var o in node.Outputs) Block(LayoutOf(o), reason);
            }
        }

        foreach (var (value, layout) in _layouts)
        {
            if (graph.Outputs.Contains(value)) Block(layout, $"reaches the graph output '{value.Name}'");
            foreach (var use in value.Uses)
                if (!ReferenceEquals(use.Node.Graph, graph))
                    Block(layout, $"read inside the subgraph of {use.Node.Graph?.ParentNode?.DisplayName ?? "a control-flow node"}");
        }
        BuildGroups(order);
    }

    private bool IsExcluded(Node node) =>
        _excluded.Count > 0 && ((node.Name.Length > 0 && _excluded.Contains(node.Name)) || (node.Outputs.Count > 0 && _excluded.Contains(node.Outputs[0].Name)));

    private static string Key(Node node) => node.Outputs[0].Name;

    private void Visit(Node node, int order, ChannelLayout?[] tracked)
    {
        var display = node.DisplayName;
        var any = tracked.Any(t => t is not null);
        if (!node.IsOnnxDomain || node.Outputs.Count == 0 || node.Outputs[0].Name.Length == 0)
        {
            if (any) BlockAll(tracked, $"{display}: channels cannot be followed through a custom-domain op");
            return;
        }
        switch (node.OpType)
        {
            case "Conv": Conv(node, order, tracked[0]); return;
            case "ConvTranspose": ConvTranspose(node, order, tracked[0]); return;
            case "Gemm": Gemm(node, order, tracked); return;
            case "MatMul": MatMul(node, order, tracked); return;
        }
        if (!any) return;
        switch (node.OpType)
        {
            case "BatchNormalization": BatchNorm(node, tracked[0]!); break;
            case "InstanceNormalization": ChannelParameters(node, tracked[0]!, [1, 2]); break;
            case "Relu" or "LeakyRelu" or "Sigmoid" or "Tanh" or "Elu" or "Selu" or "Celu" or "HardSigmoid" or "HardSwish"
                or "Softplus" or "Softsign" or "Gelu" or "Mish" or "Swish" or "Erf" or "Exp" or "Log" or "Sqrt" or "Abs" or "Neg"
                or "Reciprocal" or "Floor" or "Ceil" or "Round" or "Sign" or "Sin" or "Cos" or "Identity" or "Dropout" or "Cast"
                or "ThresholdedRelu" or "Shrink" or "Clip" or "IsNaN" or "IsInf" or "Not":
                PassThrough(node, tracked);
                break;
            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Max" or "Min" or "Sum" or "Mean" or "PRelu" or "Where"
                or "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "And" or "Or" or "Xor" or "Mod":
                Elementwise(node, tracked);
                break;
            case "MaxPool" or "AveragePool" or "LpPool" or "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool":
                Pool(node, tracked[0]!);
                break;
            case "Resize" or "Upsample": Resize(node, tracked); break;
            case "Pad": Pad(node, tracked); break;
            case "Concat": Concat(node, tracked); break;
            case "Split": Split(node, tracked); break;
            case "Flatten": Flatten(node, tracked[0]!); break;
            case "Reshape": Reshape(node, tracked); break;
            case "Transpose": Transpose(node, tracked[0]!); break;
            case "Squeeze" or "Unsqueeze": SqueezeUnsqueeze(node, tracked); break;
            case "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL1" or "ReduceL2"
                or "ReduceLogSum" or "ReduceLogSumExp" or "ReduceSumSquare":
                Reduce(node, tracked);
                break;
            case "Softmax" or "LogSoftmax" or "Hardmax": SoftmaxLike(node, tracked[0]!); break;
            case "LayerNormalization":
                BlockAll(tracked, $"{display} normalizes over these channels: the stream it reads is kept whole");
                break;
            case "Shape" or "Size":
                break; // metadata only: sizes are read at run time and follow the pruned shape
            default:
                BlockAll(tracked, $"{display}: no rule follows channels through {node.OpType}");
                break;
        }
    }

    private void BlockAll(IEnumerable<ChannelLayout?> layouts, string reason)
    {
        foreach (var l in layouts) Block(l, reason);
    }

    // ---- producers and consumers ------------------------------------------------------------------

    private static Tensor? Constant(Value? value) =>
        value is null ? null : value.Initializer ?? InferenceEngine.ConstantTensorOf(value);

    private static bool IsFloatInitializer(Value? value) =>
        value?.Initializer is { DataType: DataType.Float or DataType.Float16 or DataType.Double or DataType.BFloat16 };

    private static int? Rank(Value? value) => value?.Shape?.Rank;

    private static long? StaticDim(Value? value, int index) =>
        value?.Shape is { } s && index >= 0 && index < s.Rank ? s[index].Value : null;

    private int Produce(Node node, int order, int weightInput, int dim, int channels, string? blocked)
    {
        var atom = NewAtom(channels, blocked);
        Producers.Add(new ChannelProducer(atom, Key(node), node.DisplayName, node.Inputs[weightInput]!.Name, dim, order));
        return atom;
    }

    private void Conv(Node node, int order, ChannelLayout? input)
    {
        var display = node.DisplayName;
        var weight = node.Inputs.Count > 1 ? node.Inputs[1] : null;
        var w = weight?.Initializer;
        var output = node.Outputs[0];
        if (w is null || !IsFloatInitializer(weight) || w.Dims.Count < 3)
        {
            Block(input, $"{display} has weights computed at run time");
            return;
        }
        var group = node.Attributes.GetInt("group", 1);
        var cout = checked((int)w.Dims[0]);
        var cinPerGroup = checked((int)w.Dims[1]);
        var rank = w.Dims.Count;
        var macs = NodeMacs(node);
        var bias = node.Inputs.Count > 2 ? node.Inputs[2] : null;
        if (input is not null && input.Axis != -(rank - 1))
        {
            Block(input, $"{display} reads the channels on an axis that is not its channel axis");
            input = null;
        }

        if (group == 1)
        {
            if (input is not null)
            {
                Edits.Add(new SliceConstantInput(Key(node), 1, 1, input));
            }
            var atom = Produce(node, order, 1, 0, cout, bias is not null && !IsFloatInitializer(bias) ? $"{display} has a bias computed at run time" : null);
            var layout = ChannelLayout.Single(-(rank - 1), atom, cout);
            Edits.Add(new SliceConstantInput(Key(node), 1, 0, layout));
            if (bias is not null && IsFloatInitializer(bias)) Edits.Add(new SliceConstantInput(Key(node), 2, 0, layout));
            if (input is not null) Consumers.Add(new ChannelConsumer(Key(node), display, input, layout));
            MacTerms.Add(new MacTerm(macs, layout, input));
            ProducerOutputs[atom] = (output.Name, output.Shape, layout.Axis);
            SetLayout(output, layout);
            return;
        }

        var cin = cinPerGroup * group;
        if (cinPerGroup == 1 && cout % group == 0 && input is not null && input.Positions == cin && input.Segments.All(s => s.Inner == 1))
        {
            // Depthwise: output channel c·k + m reads input channel c only, so it shrinks with its input.
            var multiplier = cout / checked((int)group);
            var layout = input.Scaled(multiplier);
            Edits.Add(new SliceConstantInput(Key(node), 1, 0, layout));
            if (bias is not null)
            {
                if (IsFloatInitializer(bias)) Edits.Add(new SliceConstantInput(Key(node), 2, 0, layout));
                else Block(input, $"{display} has a bias computed at run time");
            }
            Edits.Add(new SetConvGroup(Key(node), input));
            MacTerms.Add(new MacTerm(macs, layout, null));
            SetLayout(output, layout);
            return;
        }
        Block(input, $"{display} is a grouped Conv (group = {group}) that ties channels across groups");
        var fixedAtom = NewAtom(cout, $"{display} is a grouped Conv (group = {group})");
        Producers.Add(new ChannelProducer(fixedAtom, Key(node), display, weight!.Name, 0, order));
        var fixedLayout = ChannelLayout.Single(-(rank - 1), fixedAtom, cout);
        SetLayout(output, fixedLayout);
    }

    private void ConvTranspose(Node node, int order, ChannelLayout? input)
    {
        var display = node.DisplayName;
        var weight = node.Inputs.Count > 1 ? node.Inputs[1] : null;
        var w = weight?.Initializer;
        if (w is null || !IsFloatInitializer(weight) || w.Dims.Count < 3 || node.Attributes.GetInt("group", 1) != 1)
        {
            Block(input, $"{display}: only ConvTranspose with constant weights and group = 1 is pruned");
            return;
        }
        var rank = w.Dims.Count;
        if (input is not null && input.Axis != -(rank - 1))
        {
            Block(input, $"{display} reads the channels on an axis that is not its channel axis");
            input = null;
        }
        var cout = checked((int)w.Dims[1]);
        var bias = node.Inputs.Count > 2 ? node.Inputs[2] : null;
        if (input is not null) Edits.Add(new SliceConstantInput(Key(node), 1, 0, input));
        var atom = Produce(node, order, 1, 1, cout, bias is not null && !IsFloatInitializer(bias) ? $"{display} has a bias computed at run time" : null);
        var layout = ChannelLayout.Single(-(rank - 1), atom, cout);
        Edits.Add(new SliceConstantInput(Key(node), 1, 1, layout));
        if (bias is not null && IsFloatInitializer(bias)) Edits.Add(new SliceConstantInput(Key(node), 2, 0, layout));
        if (input is not null) Consumers.Add(new ChannelConsumer(Key(node), display, input, layout));
        MacTerms.Add(new MacTerm(NodeMacs(node), layout, input));
        ProducerOutputs[atom] = (node.Outputs[0].Name, node.Outputs[0].Shape, layout.Axis);
        SetLayout(node.Outputs[0], layout);
    }

    private void Gemm(Node node, int order, ChannelLayout?[] tracked)
    {
        var display = node.DisplayName;
        var weight = node.Inputs.Count > 1 ? node.Inputs[1] : null;
        var w = weight?.Initializer;
        var input = tracked[0];
        if (w is null || !IsFloatInitializer(weight) || w.Dims.Count != 2 || node.Attributes.GetInt("transA", 0) != 0 || tracked.Skip(1).Any(t => t is not null))
        {
            BlockAll(tracked, $"{display}: only Gemm with a constant B and transA = 0 is pruned");
            return;
        }
        if (input is not null && input.Axis != -1)
        {
            Block(input, $"{display} reads the channels along its rows");
            input = null;
        }
        var transB = node.Attributes.GetInt("transB", 0) != 0;
        var n = checked((int)w.Dims[transB ? 0 : 1]);
        var c = node.Inputs.Count > 2 ? node.Inputs[2] : null;
        string? blocked = null;
        var cTensor = Constant(c);
        if (c is not null && (c.Initializer is null ? (cTensor is null || cTensor.ElementCount != 1) : false)) blocked = $"{display} has a C computed at run time";
        if (input is not null) Edits.Add(new SliceConstantInput(Key(node), 1, transB ? 1 : 0, input));
        var atom = Produce(node, order, 1, transB ? 0 : 1, n, blocked);
        var layout = ChannelLayout.Single(-1, atom, n);
        Edits.Add(new SliceConstantInput(Key(node), 1, transB ? 0 : 1, layout));
        if (c?.Initializer is { } ct && ct.Dims.Count > 0 && ct.Dims[^1] == n)
            Edits.Add(new SliceConstantInput(Key(node), 2, ct.Dims.Count - 1, layout));
        else if (c?.Initializer is { } ct2 && ct2.Dims.Count == 2 && ct2.Dims[0] != 1)
            Block(atom, $"{display} has a C of shape [{string.Join(",", ct2.Dims)}]");
        if (input is not null) Consumers.Add(new ChannelConsumer(Key(node), display, input, layout));
        MacTerms.Add(new MacTerm(NodeMacs(node), layout, input));
        ProducerOutputs[atom] = (node.Outputs[0].Name, node.Outputs[0].Shape, -1);
        SetLayout(node.Outputs[0], layout);
    }

    private void MatMul(Node node, int order, ChannelLayout?[] tracked)
    {
        var display = node.DisplayName;
        var weight = node.Inputs[1];
        var w = weight?.Initializer;
        var input = tracked[0];
        if (w is null || !IsFloatInitializer(weight) || w.Dims.Count != 2 || tracked[1] is not null)
        {
            BlockAll(tracked, w is null
                ? $"{display} multiplies two activations (as attention does): its channels are kept"
                : $"{display}: only MatMul with a constant 2-D right-hand side is pruned");
            return;
        }
        if (input is not null && input.Axis != -1)
        {
            Block(input, $"{display} reads the channels along its rows");
            input = null;
        }
        var n = checked((int)w.Dims[1]);
        if (input is not null) Edits.Add(new SliceConstantInput(Key(node), 1, 0, input));
        var atom = Produce(node, order, 1, 1, n, null);
        var layout = ChannelLayout.Single(-1, atom, n);
        Edits.Add(new SliceConstantInput(Key(node), 1, 1, layout));
        if (input is not null) Consumers.Add(new ChannelConsumer(Key(node), display, input, layout));
        MacTerms.Add(new MacTerm(NodeMacs(node), layout, input));
        ProducerOutputs[atom] = (node.Outputs[0].Name, node.Outputs[0].Shape, -1);
        SetLayout(node.Outputs[0], layout);
    }

    private long NodeMacs(Node node)
    {
        var cost = Analysis.OperatorCost.Estimate(node, new Analysis.ShapeResolver(null));
        return cost.IsCounted ? cost.Macs : 0;
    }

    // ---- channel-wise ops --------------------------------------------------------------------------

    private bool IsChannelAxis(Node node, ChannelLayout layout) => Rank(node.Inputs[0]) is { } r && r >= 2 && layout.Axis == -(r - 1);

    private void BatchNorm(Node node, ChannelLayout input)
    {
        if (!IsChannelAxis(node, input))
        {
            Block(input, $"{node.DisplayName} normalizes another axis than the channels");
            return;
        }
        if (node.Outputs.Skip(1).Any(o => o.Name.Length > 0 && o.Uses.Count > 0))
        {
            Block(input, $"{node.DisplayName} is in training mode (running statistics are read)");
            return;
        }
        if (!ChannelParameters(node, input, [1, 2, 3, 4])) return;
        // A filter followed by a small γ/σ contributes little: the producer's importance is scaled by it.
        if (input.Segments is [{ Inner: 1 } only] && node.Inputs[0]!.Producer is { OpType: "Conv" or "ConvTranspose" or "Gemm" or "MatMul" }
            && Constant(node.Inputs[1]) is { } scale && Constant(node.Inputs[4]) is { } variance)
        {
            var eps = node.Attributes.GetFloat("epsilon", 1e-5f);
            var s = scale.ToSingleArray();
            var v = variance.ToSingleArray();
            if (s.Length == only.Count && v.Length == only.Count && !OutputScales.ContainsKey(only.Atom))
                OutputScales[only.Atom] = s.Select((g, i) => MathF.Abs(g) / MathF.Sqrt(v[i] + eps)).ToArray();
        }
    }

    /// <summary>Ties per-channel constant inputs (dim 0) to the channels; false (and blocked) when one is computed at run time.</summary>
    private bool ChannelParameters(Node node, ChannelLayout input, int[] inputs)
    {
        if (!IsChannelAxis(node, input))
        {
            Block(input, $"{node.DisplayName} works on another axis than the channels");
            return false;
        }
        foreach (var i in inputs)
        {
            if (i >= node.Inputs.Count || node.Inputs[i] is null) continue;
            if (node.Inputs[i]!.Initializer is not { } t || t.Dims.Count != 1 || t.Dims[0] != input.Positions)
            {
                Block(input, $"{node.DisplayName} has per-channel parameters that are not constants");
                return false;
            }
            Edits.Add(new SliceConstantInput(Key(node), i, 0, input));
        }
        SetLayout(node.Outputs[0], input);
        return true;
    }

    private void PassThrough(Node node, ChannelLayout?[] tracked)
    {
        var input = tracked[0];
        if (input is null || tracked.Skip(1).Any(t => t is not null))
        {
            BlockAll(tracked, $"{node.DisplayName} reads channels through a parameter input");
            return;
        }
        SetLayout(node.Outputs[0], input);
        if (node.OpType == "Dropout" && node.Outputs.Count > 1 && node.Outputs[1].Name.Length > 0)
            SetLayout(node.Outputs[1], input);
    }

    private void Elementwise(Node node, ChannelLayout?[] tracked)
    {
        var display = node.DisplayName;
        var layouts = tracked.Where(t => t is not null).Cast<ChannelLayout>().ToList();
        var first = layouts[0];
        foreach (var other in layouts.Skip(1))
        {
            if (!first.SameShapeAs(other))
            {
                BlockAll(tracked, $"{display} combines tensors whose channels do not line up");
                return;
            }
        }
        // Residual Add (and any elementwise op of several channel tensors): the same indices go from every branch.
        foreach (var other in layouts.Skip(1))
            for (var s = 0; s < first.Segments.Count; s++)
                Union(first.Segments[s].Atom, other.Segments[s].Atom);

        for (var i = 0; i < node.Inputs.Count; i++)
        {
            var input = node.Inputs[i];
            if (input is null || tracked[i] is not null) continue;
            if (node.OpType == "Where" && i == 0 && input.Shape is { } cond && Broadcasts(cond, first.Axis)) continue;
            var shape = input.Initializer?.Shape ?? input.Shape;
            if (shape is null)
            {
                Block(first, $"{display} combines the channels with '{input.Name}', whose shape is unknown");
                return;
            }
            if (Broadcasts(shape, first.Axis)) continue;
            var dim = shape.Rank + first.Axis;
            if (input.Initializer is { } t && t.Dims[dim] == first.Positions && IsFloatInitializer(input))
            {
                Edits.Add(new SliceConstantInput(Key(node), i, dim, first));
                continue;
            }
            Block(first, $"{display} combines the channels with '{input.Name}', whose channels are not followed");
            return;
        }
        SetLayout(node.Outputs[0], first);
    }

    /// <summary>Whether a tensor of <paramref name="shape"/> broadcasts along <paramref name="axis"/> (size 1, or too low a rank to reach it).</summary>
    private static bool Broadcasts(TensorShape shape, int axis) => shape.Rank < -axis || shape[shape.Rank + axis].Value == 1;

    private void Pool(Node node, ChannelLayout input)
    {
        if (!IsChannelAxis(node, input))
        {
            Block(input, $"{node.DisplayName} pools over the channels");
            return;
        }
        if (node.Outputs.Count > 1 && node.Outputs[1].Name.Length > 0 && node.Outputs[1].Uses.Count > 0)
        {
            Block(input, $"{node.DisplayName}: its indices output is read");
            return;
        }
        SetLayout(node.Outputs[0], input);
    }

    private void Resize(Node node, ChannelLayout?[] tracked)
    {
        var input = tracked[0];
        if (input is null || tracked.Skip(1).Any(t => t is not null) || Rank(node.Inputs[0]) is not { } rank)
        {
            BlockAll(tracked, $"{node.DisplayName}: channels cannot be followed");
            return;
        }
        var axis = rank + input.Axis;
        float[]? scales = node.Attributes.GetFloats("scales");
        long[]? sizes = null;
        if (node.OpType == "Upsample" && node.Inputs.Count > 1) scales = Constant(node.Inputs[1])?.ToSingleArray();
        if (node.OpType == "Resize")
        {
            var scalesInput = _opset >= 11 ? 2 : 1;
            if (node.Inputs.Count > scalesInput && Constant(node.Inputs[scalesInput]) is { ElementCount: > 0 } s) scales = s.ToSingleArray();
            if (_opset >= 11 && node.Inputs.Count > 3 && node.Inputs[3] is not null)
            {
                sizes = Constant(node.Inputs[3])?.ToInt64Array();
                if (sizes is null || node.Attributes.GetInts("axes") is not null)
                {
                    Block(input, $"{node.DisplayName} resizes to sizes computed at run time");
                    return;
                }
            }
        }
        if (sizes is not null)
        {
            if (sizes.Length != rank || sizes[axis] != input.Positions) Block(input, $"{node.DisplayName} resizes the channel axis");
            else Block(input, $"{node.DisplayName} resizes to constant sizes that include the channels");
            return;
        }
        if (scales is null || scales.Length != rank || scales[axis] != 1f)
        {
            Block(input, $"{node.DisplayName} may scale the channel axis");
            return;
        }
        SetLayout(node.Outputs[0], input);
    }

    private void Pad(Node node, ChannelLayout?[] tracked)
    {
        var input = tracked[0];
        if (input is null || tracked.Skip(1).Any(t => t is not null) || Rank(node.Inputs[0]) is not { } rank)
        {
            BlockAll(tracked, $"{node.DisplayName}: channels cannot be followed");
            return;
        }
        var pads = node.Attributes.GetInts("pads") ?? node.Attributes.GetInts("paddings")
            ?? (node.Inputs.Count > 1 ? Constant(node.Inputs[1])?.ToInt64Array() : null);
        var axis = rank + input.Axis;
        if (pads is null || pads.Length != 2 * rank || (node.Inputs.Count > 3 && node.Inputs[3] is not null) || pads[axis] != 0 || pads[axis + rank] != 0)
        {
            Block(input, $"{node.DisplayName} may pad the channel axis");
            return;
        }
        SetLayout(node.Outputs[0], input);
    }

    private void Concat(Node node, ChannelLayout?[] tracked)
    {
        var display = node.DisplayName;
        if (Rank(node.Outputs[0]) is not { } rank && Rank(node.Inputs[0]) is not { } _)
        {
            BlockAll(tracked, $"{display}: the rank is unknown");
            return;
        }
        rank = Rank(node.Outputs[0]) ?? Rank(node.Inputs[0])!.Value;
        var axis = (int)node.Attributes.GetInt("axis", 1);
        if (axis < 0) axis += rank;
        var channelAxis = axis - rank;
        var known = tracked.Where(t => t is not null).Cast<ChannelLayout>().ToList();
        if (known.All(t => t.Axis != channelAxis))
        {
            // Concatenated along another axis: every input must carry the same channels.
            Elementwise(node, tracked);
            return;
        }
        var segments = new List<Segment>();
        for (var i = 0; i < node.Inputs.Count; i++)
        {
            var layout = tracked[i];
            if (layout is not null && layout.Axis == channelAxis)
            {
                segments.AddRange(layout.Segments);
                continue;
            }
            if (layout is not null) Block(layout, $"{display} concatenates tensors whose channels are on different axes");
            var size = StaticDim(node.Inputs[i], axis);
            if (size is not { } s)
            {
                BlockAll(tracked, $"{display}: the size of '{node.Inputs[i]?.Name}' along the concatenated axis is unknown");
                return;
            }
            segments.Add(new Segment(NewAtom(checked((int)s), $"concatenated by {display} with '{node.Inputs[i]?.Name}', whose channels are not followed"), checked((int)s), 1));
        }
        SetLayout(node.Outputs[0], new ChannelLayout(channelAxis, segments));
    }

    private void Split(Node node, ChannelLayout?[] tracked)
    {
        var display = node.DisplayName;
        var input = tracked[0];
        if (input is null || tracked.Skip(1).Any(t => t is not null) || Rank(node.Inputs[0]) is not { } rank)
        {
            BlockAll(tracked, $"{display}: channels cannot be followed");
            return;
        }
        var axis = (int)node.Attributes.GetInt("axis", 0);
        if (axis < 0) axis += rank;
        var outputs = node.Outputs;
        if (axis - rank != input.Axis)
        {
            foreach (var o in outputs) SetLayout(o, input);
            return;
        }
        var split = node.Attributes.GetInts("split") ?? (node.Inputs.Count > 1 && node.Inputs[1] is not null ? Constant(node.Inputs[1])?.ToInt64Array() : null);
        if (split is null)
        {
            if (node.Attributes.Contains("num_outputs") || node.Inputs.Count > 1 && node.Inputs[1] is not null || input.Positions % outputs.Count != 0)
            {
                Block(input, $"{display}: split sizes are not constant");
                return;
            }
            split = Enumerable.Repeat((long)(input.Positions / outputs.Count), outputs.Count).ToArray();
        }
        // Every piece must take whole segments: then each output is the concatenation of those atoms again.
        var pieces = new List<ChannelLayout>();
        var segmentIndex = 0;
        foreach (var size in split)
        {
            var taken = new List<Segment>();
            long sum = 0;
            while (sum < size && segmentIndex < input.Segments.Count)
            {
                taken.Add(input.Segments[segmentIndex]);
                sum += input.Segments[segmentIndex++].Positions;
            }
            if (sum != size)
            {
                Block(input, $"{display} cuts through a group's channels");
                return;
            }
            pieces.Add(new ChannelLayout(input.Axis, taken));
        }
        for (var i = 0; i < outputs.Count && i < pieces.Count; i++) SetLayout(outputs[i], pieces[i]);
        Edits.Add(new SetSplitSizes(Key(node), pieces));
    }

    private void Flatten(Node node, ChannelLayout input)
    {
        var shape = node.Inputs[0]!.Shape;
        if (shape is null)
        {
            Block(input, $"{node.DisplayName}: the input shape is unknown");
            return;
        }
        var rank = shape.Rank;
        var axis = (int)node.Attributes.GetInt("axis", 1);
        if (axis < 0) axis += rank;
        var t = rank + input.Axis;
        // Channel c becomes the block of features c·(H·W) … c·(H·W) + H·W − 1 when it leads the flattened dims.
        var leading = Enumerable.Range(axis, Math.Max(0, t - axis)).All(i => shape[i].Value == 1);
        var trailing = Enumerable.Range(t + 1, rank - t - 1).Select(i => shape[i].Value).ToList();
        if (t < axis || !leading || trailing.Any(v => v is null))
        {
            Block(input, $"{node.DisplayName} does not flatten the channels into blocks of features");
            return;
        }
        var inner = trailing.Aggregate(1L, (a, b) => a * b!.Value);
        SetLayout(node.Outputs[0], input.Scaled(checked((int)inner)).WithAxis(-1));
    }

    private void Reshape(Node node, ChannelLayout?[] tracked)
    {
        var display = node.DisplayName;
        var input = tracked[0];
        if (input is null || tracked[1] is not null)
        {
            BlockAll(tracked, $"{display} reshapes by a tensor computed from the channels");
            return;
        }
        var inShape = node.Inputs[0]!.Shape;
        var outShape = node.Outputs[0].Shape;
        var target = Constant(node.Inputs[1]);
        if (inShape is null || outShape is null || target is null)
        {
            Block(input, $"{display}: shapes or the target shape are not known");
            return;
        }
        var t = inShape.Rank + input.Axis;
        var innerIn = 1L;
        for (var i = t + 1; i < inShape.Rank; i++)
        {
            if (inShape[i].Value is not { } v)
            {
                Block(input, $"{display}: the dims after the channels are not static");
                return;
            }
            innerIn *= v;
        }
        var block = input.Positions * innerIn;
        long rest = 1;
        for (var j = outShape.Rank - 1; j >= 0; j--)
        {
            if (outShape[j].Value is not { } d) break;
            if (d * rest == block && d % input.Positions == 0 && (d / input.Positions) * rest == innerIn)
            {
                var entries = target.ToInt64Array();
                if (j >= entries.Length || (entries[j] == 0 && !(j == t && d == input.Positions)))
                    break;
                var layout = input.Scaled(checked((int)(d / input.Positions))).WithAxis(j - outShape.Rank);
                if (entries[j] > 0) Edits.Add(new SetReshapeDim(Key(node), j, layout));
                SetLayout(node.Outputs[0], layout);
                return;
            }
            rest *= d;
            if (rest > block) break;
        }
        Block(input, $"{display} splits the channels across axes (e.g. into attention heads)");
    }

    private void Transpose(Node node, ChannelLayout input)
    {
        if (Rank(node.Inputs[0]) is not { } rank)
        {
            Block(input, $"{node.DisplayName}: the rank is unknown");
            return;
        }
        var perm = node.Attributes.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        var t = rank + input.Axis;
        var p = Array.IndexOf(perm, (long)t);
        if (p < 0)
        {
            Block(input, $"{node.DisplayName}: bad perm");
            return;
        }
        SetLayout(node.Outputs[0], input.WithAxis(p - rank));
    }

    private void SqueezeUnsqueeze(Node node, ChannelLayout?[] tracked)
    {
        var input = tracked[0];
        if (input is null || tracked.Skip(1).Any(t => t is not null) || Rank(node.Inputs[0]) is not { } inRank || Rank(node.Outputs[0]) is not { } outRank)
        {
            BlockAll(tracked, $"{node.DisplayName}: ranks are unknown");
            return;
        }
        var axes = node.Attributes.GetInts("axes") ?? (node.Inputs.Count > 1 ? Constant(node.Inputs[1])?.ToInt64Array() : null);
        var t = inRank + input.Axis;
        int newIndex;
        if (node.OpType == "Unsqueeze")
        {
            if (axes is null)
            {
                Block(input, $"{node.DisplayName}: axes are not constant");
                return;
            }
            var inserted = axes.Select(a => (int)(a < 0 ? a + outRank : a)).ToHashSet();
            var mapping = Enumerable.Range(0, outRank).Where(i => !inserted.Contains(i)).ToList();
            newIndex = mapping[t];
        }
        else
        {
            var removed = axes?.Select(a => (int)(a < 0 ? a + inRank : a)).ToHashSet()
                ?? Enumerable.Range(0, inRank).Where(i => StaticDim(node.Inputs[0], i) == 1).ToHashSet();
            if (removed.Contains(t))
            {
                Block(input, $"{node.DisplayName} squeezes the channel axis");
                return;
            }
            newIndex = t - removed.Count(r => r < t);
        }
        SetLayout(node.Outputs[0], input.WithAxis(newIndex - outRank));
    }

    private void Reduce(Node node, ChannelLayout?[] tracked)
    {
        var input = tracked[0];
        if (input is null || tracked.Skip(1).Any(t => t is not null) || Rank(node.Inputs[0]) is not { } rank)
        {
            BlockAll(tracked, $"{node.DisplayName}: channels cannot be followed");
            return;
        }
        var axes = node.Attributes.GetInts("axes") ?? (node.Inputs.Count > 1 && node.Inputs[1] is not null ? Constant(node.Inputs[1])?.ToInt64Array() : null);
        var t = rank + input.Axis;
        var reduced = axes is null ? Enumerable.Range(0, rank).ToHashSet() : axes.Select(a => (int)(a < 0 ? a + rank : a)).ToHashSet();
        if (axes is null && node.Inputs.Count > 1 && node.Inputs[1] is not null)
        {
            Block(input, $"{node.DisplayName}: axes are not constant");
            return;
        }
        if (reduced.Contains(t))
        {
            Block(input, $"{node.DisplayName} reduces over these channels (as LayerNorm does): they are kept whole");
            return;
        }
        var keep = node.Attributes.GetInt("keepdims", 1) != 0;
        var newIndex = keep ? t : t - reduced.Count(r => r < t);
        var outRank = keep ? rank : rank - reduced.Count;
        SetLayout(node.Outputs[0], input.WithAxis(newIndex - outRank));
    }

    private void SoftmaxLike(Node node, ChannelLayout input)
    {
        if (Rank(node.Inputs[0]) is not { } rank)
        {
            Block(input, $"{node.DisplayName}: the rank is unknown");
            return;
        }
        var axis = (int)node.Attributes.GetInt("axis", _opset >= 13 ? -1 : 1);
        if (axis < 0) axis += rank;
        var t = rank + input.Axis;
        if (_opset >= 13 ? axis == t : t >= axis)
        {
            Block(input, $"{node.DisplayName} normalizes over these channels");
            return;
        }
        SetLayout(node.Outputs[0], input);
    }

    // ---- groups ------------------------------------------------------------------------------------

    private void BuildGroups(IReadOnlyList<Node> order)
    {
        var byRoot = new Dictionary<int, List<ChannelProducer>>();
        foreach (var p in Producers)
        {
            var root = Find(p.Atom);
            if (!byRoot.TryGetValue(root, out var list)) byRoot[root] = list = [];
            list.Add(p);
        }
        var consumers = new Dictionary<int, List<string>>();
        foreach (var c in Consumers)
            foreach (var atom in c.Input.Atoms.Select(Find).Distinct())
            {
                if (!consumers.TryGetValue(atom, out var list)) consumers[atom] = list = [];
                if (!list.Contains(c.Display)) list.Add(c.Display);
            }
        var groups = new List<ChannelGroup>();
        foreach (var (root, producers) in byRoot.OrderBy(kv => kv.Value.Min(p => p.Order)))
        {
            groups.Add(new ChannelGroup
            {
                Id = groups.Count,
                Root = root,
                Channels = _length[root],
                Producers = producers,
                Consumers = consumers.GetValueOrDefault(root) ?? [],
                Reason = _blocked[root] ?? (_length[root] < 2 ? "a single channel" : null),
            });
        }
        foreach (var term in MacTerms)
        {
            var roots = new HashSet<int>();
            if (term.Output is not null) roots.UnionWith(term.Output.Atoms.Select(Find));
            if (term.Input is not null) roots.UnionWith(term.Input.Atoms.Select(Find));
            foreach (var g in groups)
                if (roots.Contains(g.Root)) g.Macs += term.Macs;
        }
        Groups = groups;
    }
}
