using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;
using EdgeOpt.Quantization.Internal;

namespace EdgeOpt.Quantization;

/// <summary>
/// Converts a float32 model to float16 in place, so weights take half the bytes and compute runs in float16:
/// float32 initializers, Constant/ConstantOfShape tensors and float32 value types become float16, and nodes that
/// produce float32 by attribute (<c>Cast to</c>, <c>dtype</c>) produce float16 instead. Nodes on the block lists stay
/// float32 with Cast nodes around them; with <see cref="Float16Options.KeepIoTypes"/> the graph's float32 inputs and
/// outputs keep their names and types behind boundary Casts. Weights beyond float16's range are clamped to ±65504
/// and non-zero values below its smallest subnormal are flushed to zero (both counted). Cast pairs
/// float16 → float32 → float16 and no-op Casts are removed. On failure the model is left as it was.
/// <para>
/// If/Loop/Scan bodies are converted like the main graph. The control-flow node itself is never blocked; its body
/// interface is float16 throughout, so every float32 body input and output, every Loop-carried state and Scan
/// input, and every If/Loop/Scan output is float16 (a Loop's carried state has one type on every iteration). A
/// float32 value a body captures from the outer scope (a kept float32 graph input, a blocked node's output) gets a
/// Cast inside the body where it is read; a body output that lives in float32 gets a Cast inside the body.
/// </para>
/// <code>
/// var report = Float16Converter.Convert(model, new Float16Options { KeepIoTypes = true });
/// </code>
/// </summary>
public static class Float16Converter
{
    /// <summary>Converts <paramref name="model"/> in place and says what changed.</summary>
    /// <exception cref="UnsupportedOperatorException">The model has local functions.</exception>
    public static Float16Report Convert(Model model, Float16Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new Float16Options();
        if (model.Functions.Count > 0)
            ThrowHelper.Unsupported($"float16 conversion does not handle local functions: the model defines '{model.Functions[0].Name}'");

        var snapshot = model.Clone();
        try
        {
            return new Conversion(model, options).Run();
        }
        catch
        {
            model.RestoreFrom(snapshot);
            throw;
        }
    }

    private enum Precision { Float32, Float16 }

    private sealed class Conversion(Model model, Float16Options options)
    {
        // Smallest float16 subnormal (2^-24) and largest finite float16.
        private const float SmallestSubnormal = 5.9604645e-08f;
        private const float MaxFinite = 65504f;

        // Inputs that must stay float32 whatever the data type of the node (resampling scales).
        private static readonly HashSet<(string Op, int Index)> Float32OnlyInputs = [("Resize", 2), ("Upsample", 1)];

        // Attributes that name the element type a node produces.
        private static readonly string[] TypeAttributes = ["to", "dtype", "output_datatype"];

        private readonly Graph _graph = model.Graph;
        private readonly NameGenerator _names = new(model);
        private readonly HashSet<Node> _blocked = [];
        private readonly Dictionary<Node, string> _blockReasons = [];
        // Blocked nodes that compute in float32 but whose constant weights may still be stored as float16.
        private readonly HashSet<Node> _halfStorage = [];
        // Per graph: a Cast made inside one If branch is not visible in the other or outside.
        private readonly Dictionary<(Value, Precision, Graph), Value> _casts = [];
        private int _tensors, _values, _castsInserted, _castsRemoved;
        private long _clamped, _flushed, _bytesBefore, _bytesAfter;

        public Float16Report Run()
        {
            ShapeInference.Infer(model);
            _types = ElementTypes.Snapshot(_graph);
            var graphs = _graph.AllGraphs().ToList();
            var original = _graph.AllNodes().ToList();
            foreach (var node in original)
                if (BlockReason(node) is { } reason)
                {
                    _blocked.Add(node);
                    _blockReasons[node] = reason;
                }
            KeepOutOfRangeScalesInFloat32(original);

            // Decide every float32 value's precision before any Cast is added.
            var halfValues = graphs.SelectMany(g => g.Values()).Where(v => IsFloat32(v) && HomeOf(v) == Precision.Float16).ToList();

            foreach (var node in original)
            {
                for (var i = 0; i < node.Inputs.Count; i++)
                {
                    if (node.Inputs[i] is not { } v || !IsFloat32(v)) continue;
                    var need = Needs(new Usage(node, i));
                    if (HomeOf(v) != need) node.SetInput(i, CastOf(v, need, node));
                }
            }
            FixGraphOutputs();
            foreach (var body in graphs.Where(g => g.ParentNode is not null)) FixBodyOutputs(body);

            foreach (var v in halfValues) ToHalf(v);
            // Only the model's own nodes: the boundary Casts added above already name their target.
            foreach (var node in original)
                if (!_blocked.Contains(node)) RetargetOutputType(node);

            RemoveRedundantCasts();
            foreach (var g in graphs) g.SortTopologically();
            var blocked = original.Where(_blocked.Contains).ToList();
            return new Float16Report(_tensors, _values, [.. blocked.Select(n => n.DisplayName)], _castsInserted, _castsRemoved,
                _clamped, _flushed, _bytesBefore, _bytesAfter)
            {
                LeftInFloat = [.. blocked.Select(n => SkippedNodes.Of(n, _blockReasons[n]))],
            };
        }

        // Decided before the first edit; covers values inside bodies that shape inference left untyped.
        private ElementTypes _types = null!;

        private bool IsFloat32(Value v) => v.SparseInitializer is null && _types.Of(v) == DataType.Float;

        // Operators whose output is back in float16's range whatever their input's scale.
        private static readonly HashSet<string> RangeCompressing =
        [
            "Log", "Sqrt", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Erf", "Sin", "Cos", "Atan", "Softsign", "Sign",
            "Reciprocal", "LayerNormalization", "InstanceNormalization", "LpNormalization", "HardSigmoid",
        ];

        /// <summary>
        /// A finite float32 constant beyond float16's range (|x| &gt; 65504) that multiplies, divides or weights
        /// something means the model computes at a scale float16 cannot hold (e.g. <c>log(1 + 2^20 · |STFT|)</c>):
        /// clamping it would change the result, and even an exact product would overflow. So the Constant node (if
        /// any) and every node multiplying by it stay float32, and so does
        /// everything downstream of them until an operator brings values back into range (Log, Sqrt, Sigmoid, ...),
        /// which is itself computed in float32 and then handed on in float16.
        /// </summary>
        private void KeepOutOfRangeScalesInFloat32(List<Node> nodes)
        {
            var pending = new Queue<(Value Value, string Origin)>();
            foreach (var g in _graph.AllGraphs())
                foreach (var v in g.Initializers)
                    if (v.Initializer is { DataType: DataType.Float } t && FiniteMaxAbs(t) > MaxFinite && !v.IsGraphInput && v.Uses.Any(IsScaling))
                        pending.Enqueue((v, $"constant '{v.Name}' ({FiniteMaxAbs(t):G3})"));
            foreach (var node in nodes)
                if (!_blocked.Contains(node) && node is { OpType: "Constant", IsOnnxDomain: true }
                    && GraphQueries.TryGetConstant(node.Outputs[0]) is { DataType: DataType.Float } t && FiniteMaxAbs(t) > MaxFinite
                    && node.Outputs[0].Uses.Any(IsScaling))
                {
                    Block(node, $"its value ({FiniteMaxAbs(t):G3}) is beyond float16's range (±65504) and scales what reads it");
                    pending.Enqueue((node.Outputs[0], $"constant '{node.Outputs[0].Name}' ({FiniteMaxAbs(t):G3})"));
                }
            var seeds = pending.Select(p => p.Value).ToHashSet();
            while (pending.TryDequeue(out var item))
            {
                foreach (var use in item.Value.Uses)
                {
                    var reader = use.Node;
                    if (reader.Subgraphs.Any() || _blocked.Contains(reader)) continue;
                    // A huge constant that is added or compared (an attention mask) is clamped as usual; only products are kept.
                    if (seeds.Contains(item.Value) && !IsScaling(use)) continue;
                    Block(reader, $"computes at a scale beyond float16's range (±65504), downstream of {item.Origin}");
                    // What it scales up is small on the scale that matters: float16 would round it to subnormals or zero.
                    foreach (var input in reader.Inputs)
                        if (input is not null && input != item.Value && IsFloat32(input) && GraphQueries.TryGetConstant(input) is null)
                            KeepProducersInFloat32(input, item.Origin);
                    if (RangeCompressing.Contains(reader.OpType)) continue;
                    foreach (var output in reader.Outputs)
                        if (IsFloat32(output)) pending.Enqueue((output, item.Origin));
                }
            }
        }

        /// <summary>
        /// Keeps the float32 computation that produces <paramref name="value"/> (back to graph inputs and constants)
        /// in float32; its weights are still stored as float16 and widened by a Cast, since float16 rounds a weight
        /// by 2^-11 of its size, while the activations here must not lose their small values.
        /// </summary>
        private void KeepProducersInFloat32(Value value, string origin)
        {
            var pending = new Stack<Value>([value]);
            while (pending.TryPop(out var v))
            {
                if (v.Producer is not { } producer || producer.Subgraphs.Any() || _blocked.Contains(producer)
                    || producer.OpType is "Constant" or "ConstantOfShape") continue;
                Block(producer, $"its result is later scaled by {origin}, beyond float16's range: computed in float32 so small values keep their precision");
                _halfStorage.Add(producer);
                foreach (var input in producer.Inputs)
                    if (input is not null && IsFloat32(input)) pending.Push(input);
            }
        }

        private void Block(Node node, string reason)
        {
            _blocked.Add(node);
            _blockReasons[node] = reason;
        }

        private static readonly HashSet<string> ScalingOps = ["Mul", "Div", "MatMul", "Gemm", "Conv", "ConvTranspose", "Einsum"];

        private static bool IsScaling(Usage use) => use.Node.IsOnnxDomain && ScalingOps.Contains(use.Node.OpType);

        /// <summary>The largest finite magnitude (infinities are masks, clamped as usual).</summary>
        private static float FiniteMaxAbs(Tensor t)
        {
            var max = 0f;
            foreach (var x in t.ToSingleArray())
                if (float.IsFinite(x)) max = MathF.Max(max, MathF.Abs(x));
            return max;
        }

        /// <summary>Why <paramref name="node"/> stays float32, or null when it is converted.</summary>
        private string? BlockReason(Node node)
        {
            // Control flow follows its bodies, which are converted node by node.
            if (node.Subgraphs.Any()) return null;
            if (options.NodeBlockList.Contains(node.Name)) return "excluded by name";
            if (options.OpBlockList.Contains(node.OpType))
                return Float16Options.DefaultOpBlockList.Contains(node.OpType)
                    ? $"{node.OpType} is on the default float16 block list (no float16 kernel, or unreliable in float16)"
                    : $"operator {node.OpType} excluded";
            // A float32 output that follows neither a float input nor a type attribute would stay float32: keep the node float32.
            if (!node.Outputs.Any(IsFloat32) || node.Inputs.Any(v => v is not null && IsFloat32(v))) return null;
            return node.OpType is not ("Constant" or "ConstantOfShape") && !TypeAttributes.Any(node.Attributes.Contains)
                ? "its float32 output follows no float input or type attribute" : null;
        }

        private Precision Needs(Usage use) =>
            _blocked.Contains(use.Node) || Float32OnlyInputs.Contains((use.Node.OpType, use.Index)) ? Precision.Float32 : Precision.Float16;

        private Precision HomeOf(Value v)
        {
            if (v.Producer is { } p) return _blocked.Contains(p) ? Precision.Float32 : Precision.Float16;
            // Body inputs (Loop-carried state, Scan slices) are float16 like everything the control-flow node passes in.
            if (v.IsGraphInput) return options.KeepIoTypes && v.Graph!.ParentNode is null ? Precision.Float32 : Precision.Float16;
            if (v.SparseInitializer is not null) return Precision.Float32;
            if (v.IsGraphOutput) return options.KeepIoTypes ? Precision.Float32 : Precision.Float16;
            // Weights read only by float32 consumers stay float32 rather than round-trip through a Cast, unless a reader
            // only needs float32 compute (then half storage plus a widening Cast still halves the bytes).
            return v.Uses.Count > 0 && v.Uses.All(u => Needs(u) == Precision.Float32 && !_halfStorage.Contains(u.Node))
                ? Precision.Float32 : Precision.Float16;
        }

        private Value CastOf(Value v, Precision target, Node before)
        {
            var graph = before.Graph!;
            if (_casts.TryGetValue((v, target, graph), out var existing)) return existing;
            var suffix = target == Precision.Float16 ? "fp16" : "fp32";
            var output = _names.NewValue($"{v.Name}_{suffix}", new TensorType(TypeOf(target), v.Shape));
            graph.InsertBefore(before, NewCast(v, output, target));
            _casts[(v, target, graph)] = output;
            return output;
        }

        /// <summary>
        /// A body output that lives in float32 (a blocked node's result, a captured float32 value) gets a float16
        /// Cast inside the body, so the control-flow node's outputs and a Loop's carried state are float16 on every
        /// path. Body outputs bind by position, so the new value may take any name.
        /// </summary>
        private void FixBodyOutputs(Graph body)
        {
            for (var i = 0; i < body.Outputs.Count; i++)
            {
                var v = body.Outputs[i];
                if (!IsFloat32(v) || HomeOf(v) == Precision.Float16) continue;
                var half = _names.NewValue($"{v.Name}_fp16", new TensorType(DataType.Float16, v.Shape));
                body.AddNode(NewCast(v, half, Precision.Float16));
                body.Outputs[i] = half;
            }
        }

        private Node NewCast(Value input, Value output, Precision target)
        {
            _castsInserted++;
            var cast = new Node("Cast", [input], [output], name: _names.Fresh($"{input.Name}_cast_{(target == Precision.Float16 ? "fp16" : "fp32")}"));
            cast.Attributes.Set(OnnxAttribute.Int("to", (long)TypeOf(target)));
            return cast;
        }

        private static DataType TypeOf(Precision p) => p == Precision.Float16 ? DataType.Float16 : DataType.Float;

        /// <summary>
        /// A graph output whose value lives in the other precision gets a Cast that takes over the output's name
        /// (the interface keeps its names); the value inside is renamed.
        /// </summary>
        private void FixGraphOutputs()
        {
            var need = options.KeepIoTypes ? Precision.Float32 : Precision.Float16;
            var renamed = new Dictionary<Value, Value>();
            for (var i = 0; i < _graph.Outputs.Count; i++)
            {
                var v = _graph.Outputs[i];
                if (!IsFloat32(v) || HomeOf(v) == need) continue;
                if (!renamed.TryGetValue(v, out var boundary))
                {
                    var name = v.Name;
                    v.Name = _names.Fresh($"{name}_{(need == Precision.Float32 ? "fp16" : "fp32")}");
                    boundary = new Value(name, new TensorType(TypeOf(need), v.Shape));
                    _graph.AddNode(NewCast(v, boundary, need));
                    renamed[v] = boundary;
                }
                _graph.Outputs[i] = boundary;
            }
        }

        private void ToHalf(Value v)
        {
            _values++;
            if (v.Type is TensorType t) v.Type = t with { ElementType = DataType.Float16 };
            if (v.Initializer is { } weights) v.Initializer = ToHalf(weights);
        }

        private Tensor ToHalf(Tensor tensor)
        {
            var source = tensor.ToSingleArray();
            var half = new Half[source.Length];
            for (var i = 0; i < source.Length; i++)
            {
                var x = source[i];
                if (MathF.Abs(x) > MaxFinite)
                {
                    x = MathF.CopySign(MaxFinite, x);
                    _clamped++;
                }
                else if (x != 0 && MathF.Abs(x) < SmallestSubnormal)
                {
                    x = MathF.CopySign(0f, x);
                    _flushed++;
                }
                half[i] = (Half)x;
            }
            var result = Tensor.Create(tensor.Name, half, [.. tensor.Dims]);
            result.DocString = tensor.DocString;
            result.MetadataProps.AddRange(tensor.MetadataProps);
            _tensors++;
            _bytesBefore += tensor.ByteLength;
            _bytesAfter += result.ByteLength;
            return result;
        }

        /// <summary>Makes a node that produces float32 by attribute (Constant payloads, Cast/dtype targets) produce float16.</summary>
        private void RetargetOutputType(Node node)
        {
            var attrs = node.Attributes;
            switch (node.OpType)
            {
                case "Constant" when attrs["value"] is { Value: Tensor { DataType: DataType.Float } t }:
                    attrs.Set(OnnxAttribute.FromTensor("value", ToHalf(t)));
                    return;
                case "Constant" when attrs["value_float"] is not null || attrs["value_floats"] is not null:
                    var values = attrs.GetFloats("value_floats") ?? [attrs.GetFloat("value_float", 0)];
                    var dims = attrs.Contains("value_floats") ? new[] { (long)values.Length } : [];
                    attrs.Remove("value_float");
                    attrs.Remove("value_floats");
                    attrs.Set(OnnxAttribute.FromTensor("value", ToHalf(Tensor.Create(node.Outputs[0].Name, values, dims))));
                    return;
                case "ConstantOfShape" when attrs["value"] is { Value: Tensor { DataType: DataType.Float } fill }:
                    attrs.Set(OnnxAttribute.FromTensor("value", ToHalf(fill)));
                    return;
                case "ConstantOfShape" when attrs["value"] is null:
                    // The default fill is a float32 zero.
                    attrs.Set(OnnxAttribute.FromTensor("value", Tensor.Create("value", [Half.Zero], 1)));
                    return;
            }
            foreach (var name in TypeAttributes)
                if (attrs.GetInt(name, 0) == (long)DataType.Float) attrs.Set(OnnxAttribute.Int(name, (long)DataType.Float16));
        }

        /// <summary>Removes Casts to the type their input already has, and collapses float16 → float32 → float16.</summary>
        private void RemoveRedundantCasts()
        {
            foreach (var cast in _graph.AllNodes().ToList())
            {
                if (cast.Graph is null || cast is not { OpType: "Cast", IsOnnxDomain: true, Inputs: [{ } input] }) continue;
                var to = (DataType)cast.Attributes.GetInt("to", 0);
                if (input.ElementType == to)
                {
                    if (GraphQueries.TryRemoveNodeAndRewire(cast, input)) _castsRemoved++;
                }
                else if (to == DataType.Float16
                    && input.Producer is { OpType: "Cast", IsOnnxDomain: true, Inputs: [{ ElementType: DataType.Float16 } original] } widen
                    && widen.Attributes.GetInt("to", 0) == (long)DataType.Float
                    && GraphQueries.TryRemoveNodeAndRewire(cast, original))
                {
                    _castsRemoved++;
                    if (widen.Outputs.All(GraphQueries.IsUnused) && widen.Graph is { } widenGraph)
                    {
                        widenGraph.RemoveNode(widen);
                        _castsRemoved++;
                    }
                }
            }
        }
    }
}
