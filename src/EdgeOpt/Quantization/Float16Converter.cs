using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Quantization;

/// <summary>
/// Converts a float32 model to float16 in place, so weights take half the bytes and compute runs in float16:
/// float32 initializers, Constant/ConstantOfShape tensors and float32 value types become float16, and nodes that
/// produce float32 by attribute (<c>Cast to</c>, <c>dtype</c>) produce float16 instead. Nodes on the block lists stay
/// float32 with Cast nodes around them; with <see cref="Float16Options.KeepIoTypes"/> the graph's float32 inputs and
/// outputs keep their names and types behind boundary Casts. Weights beyond float16's range are clamped to ±65504
/// and non-zero values below its smallest subnormal are flushed to zero (both counted). Cast pairs
/// float16 → float32 → float16 and no-op Casts are removed. Models with subgraphs (If/Loop/Scan) are refused.
/// On failure the model is left as it was.
/// <code>
/// var report = Float16Converter.Convert(model, new Float16Options { KeepIoTypes = true });
/// </code>
/// </summary>
public static class Float16Converter
{
    /// <summary>Converts <paramref name="model"/> in place and says what changed.</summary>
    /// <exception cref="UnsupportedOperatorException">The model has subgraphs or local functions.</exception>
    public static Float16Report Convert(Model model, Float16Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new Float16Options();
        if (model.Graph.Nodes.FirstOrDefault(n => n.Subgraphs.Any()) is { } withBody)
            ThrowHelper.Unsupported($"float16 conversion does not handle subgraphs: node {withBody.DisplayName} has a body; convert a model without control flow or block it before conversion");
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
        private readonly Dictionary<(Value, Precision), Value> _casts = [];
        private int _tensors, _values, _castsInserted, _castsRemoved;
        private long _clamped, _flushed, _bytesBefore, _bytesAfter;

        public Float16Report Run()
        {
            ShapeInference.Infer(model);
            var original = _graph.Nodes.ToList();
            foreach (var node in original)
                if (IsBlocked(node)) _blocked.Add(node);

            // Decide every float32 value's precision before any Cast is added.
            var halfValues = _graph.Values().Where(v => IsFloat32(v) && HomeOf(v) == Precision.Float16).ToList();

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

            foreach (var v in halfValues) ToHalf(v);
            // Only the model's own nodes: the boundary Casts added above already name their target.
            foreach (var node in original)
                if (!_blocked.Contains(node)) RetargetOutputType(node);

            RemoveRedundantCasts();
            _graph.SortTopologically();
            return new Float16Report(_tensors, _values, [.. _blocked.Select(n => n.DisplayName)], _castsInserted, _castsRemoved,
                _clamped, _flushed, _bytesBefore, _bytesAfter);
        }

        private static bool IsFloat32(Value v) => v.Type switch
        {
            TensorType t => t.ElementType == DataType.Float,
            null => v.Initializer?.DataType == DataType.Float,
            _ => false,
        };

        private bool IsBlocked(Node node)
        {
            if (options.OpBlockList.Contains(node.OpType) || options.NodeBlockList.Contains(node.Name)) return true;
            // A float32 output that follows neither a float input nor a type attribute would stay float32: keep the node float32.
            if (!node.Outputs.Any(IsFloat32) || node.Inputs.Any(v => v is not null && IsFloat32(v))) return false;
            return node.OpType is not ("Constant" or "ConstantOfShape") && !TypeAttributes.Any(node.Attributes.Contains);
        }

        private Precision Needs(Usage use) =>
            _blocked.Contains(use.Node) || Float32OnlyInputs.Contains((use.Node.OpType, use.Index)) ? Precision.Float32 : Precision.Float16;

        private Precision HomeOf(Value v)
        {
            if (v.Producer is { } p) return _blocked.Contains(p) ? Precision.Float32 : Precision.Float16;
            if (v.IsGraphInput) return options.KeepIoTypes ? Precision.Float32 : Precision.Float16;
            if (v.SparseInitializer is not null) return Precision.Float32;
            if (v.IsGraphOutput) return options.KeepIoTypes ? Precision.Float32 : Precision.Float16;
            // Weights read only by float32 consumers stay float32 rather than round-trip through a Cast.
            return v.Uses.Count > 0 && v.Uses.All(u => Needs(u) == Precision.Float32) ? Precision.Float32 : Precision.Float16;
        }

        private Value CastOf(Value v, Precision target, Node before)
        {
            if (_casts.TryGetValue((v, target), out var existing)) return existing;
            var suffix = target == Precision.Float16 ? "fp16" : "fp32";
            var output = _names.NewValue($"{v.Name}_{suffix}", new TensorType(TypeOf(target), v.Shape));
            _graph.InsertBefore(before, NewCast(v, output, target));
            _casts[(v, target)] = output;
            return output;
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
            foreach (var cast in _graph.Nodes.ToList())
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
                    if (widen.Outputs.All(GraphQueries.IsUnused))
                    {
                        _graph.RemoveNode(widen);
                        _castsRemoved++;
                    }
                }
            }
        }
    }
}
