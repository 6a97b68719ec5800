using System.Runtime.InteropServices;
using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Onnx.Tflite.Internal;

/// <summary>Where a rank-4 value's channels are: TFLite's own NHWC, or ONNX's NCHW (the first one's axes permuted by [0,3,1,2]).</summary>
internal enum Layout { Native, ChannelsFirst }

/// <summary>
/// Converts one TFLite subgraph to an ONNX graph. Each TFLite tensor maps to ONNX values per <see cref="Layout"/>, made on
/// demand: convolution-like operators ask for channels-first, shape operators for TFLite's own layout, and
/// layout-agnostic operators (elementwise, concat, pad, reductions, ...) take whatever their input already has, so
/// transposes appear only where the two worlds meet (in practice at the graph's inputs, outputs and reshapes).
/// Quantized tensors become QuantizeLinear → DequantizeLinear pairs around float computation (the QDQ form ONNX
/// Runtime fuses into integer kernels); constants are transposed, densified and dequantized at conversion time.
/// </summary>
internal sealed partial class TfliteGraphConverter
{
    internal static readonly int[] ToChannelsFirst = [0, 3, 1, 2];
    internal static readonly int[] ToNative = [0, 2, 3, 1];

    private readonly TfliteModel _model;
    private readonly TfliteSubgraph _graph;
    private readonly TfliteConversionOptions _options;
    private readonly string _fileName;
    private readonly GraphBuilder _builder;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _nextSuffix = new(StringComparer.Ordinal);
    private readonly Dictionary<(int Tensor, Layout Layout), Value> _float = [];
    private readonly Dictionary<(int Tensor, Layout Layout), Value> _raw = [];
    private readonly Dictionary<string, Value> _constants = new(StringComparer.Ordinal);
    private TfliteOperator? _current;

    public TfliteGraphConverter(TfliteModel model, TfliteSubgraph graph, TfliteConversionOptions options, string fileName)
    {
        _model = model;
        _graph = graph;
        _options = options;
        _fileName = fileName;
        // int16 QuantizeLinear/DequantizeLinear arrive in opset 21; everything else is written for 17.
        _opset = graph.Tensors.Any(t => IsQuantized(t) && t.Type == TfliteTensorType.INT16) ? 21 : 17;
        _builder = new GraphBuilder(string.IsNullOrEmpty(graph.Name) ? "main" : graph.Name, opset: _opset, irVersion: _opset >= 21 ? 10 : 8)
        {
            ProducerName = "EdgeOpt (TFLite converter)",
        };
    }

    /// <summary>Operators converted, by TFLite name.</summary>
    public SortedDictionary<string, int> OperatorCounts { get; } = new(StringComparer.Ordinal);

    public Model Convert()
    {
        foreach (var i in _graph.Inputs)
        {
            var t = _graph.Tensors[i];
            var value = _builder.Input(Unique(t.Name), OnnxTypeOf(t));
            _raw[(i, Layout.Native)] = value;
        }
        foreach (var op in _graph.Operators)
        {
            _current = op;
            ConvertOperator(op);
            OperatorCounts[op.Code.Name] = OperatorCounts.GetValueOrDefault(op.Code.Name) + 1;
        }
        _current = null;
        foreach (var o in _graph.Outputs)
        {
            var t = _graph.Tensors[o];
            var value = Raw(o, Layout.Native);
            // An unnamed TFLite output keeps the name its value got (ONNX reads an empty output name as "no output").
            var name = t.Name.Length > 0 ? t.Name : value.Name;
            // A graph output must be a node's own output with the TFLite name: inputs and shared values get an Identity.
            if (value.IsGraphInput || value.IsInitializer || _builder.Graph.Outputs.Contains(value) || value.Name != name && !_names.Add(name))
                value = Emit("Identity", [value], [], UniqueOrSame(name));
            else if (value.Name != name)
                value.Name = name;
            _builder.Output(value, type: new TensorType(OnnxDataType(t), new TensorShape(InputShape(t))));
        }
        return _builder.Build();
    }

    private string UniqueOrSame(string name) => name.Length == 0 || _names.Contains(name) ? Unique(name) : Reserve(name);

    private string Reserve(string name)
    {
        _names.Add(name);
        return name;
    }

    // ---- names and errors -------------------------------------------------------------------------------------------

    /// <summary>A value name unique in the graph, close to <paramref name="preferred"/> (TFLite names may repeat or be empty).</summary>
    public string Unique(string preferred)
    {
        if (preferred.Length == 0) preferred = "t";
        if (_names.Add(preferred)) return preferred;
        // Resume after the last suffix handed out for this name: an unrolled LSTM asks for the same names thousands of times.
        _nextSuffix.TryGetValue(preferred, out var n);
        for (n = Math.Max(n, 1); ; n++)
        {
            var candidate = $"{preferred}_{n}";
            if (!_names.Add(candidate)) continue;
            _nextSuffix[preferred] = n + 1;
            return candidate;
        }
    }

    /// <summary>Names the operator being converted in errors: file, index, op name and its first output tensor.</summary>
    public string Where
    {
        get
        {
            if (_current is not { } op) return _fileName;
            var output = op.Outputs.Length > 0 ? $", output '{_graph.Tensors[op.Outputs[0]].Name}'" : "";
            return $"{_fileName}: operator {op.Index} ({op.Code.Name}{output})";
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void Unsupported(string what) => ThrowHelper.Unsupported($"{Where}: {what}");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void Malformed(string what) => ThrowHelper.ModelFormat($"{Where}: {what}");

    public TfliteTensor Tensor(int index) => _graph.Tensors[index];

    // ---- emitting nodes ---------------------------------------------------------------------------------------------

    /// <summary>Adds a node with one output named after <paramref name="outputName"/> (made unique) and returns it.</summary>
    public Value Emit(string opType, Value?[] inputs, (string Name, object Value)[] attributes, string? outputName = null, string domain = "")
    {
        var name = outputName ?? Unique($"{opType.ToLowerInvariant()}_{_current?.Index ?? 0}");
        if (outputName is not null && !_names.Contains(outputName)) _names.Add(outputName);
        var node = new Node(opType, inputs, [new Value(name)], domain, $"{opType}_{_builder.Graph.Nodes.Count}");
        foreach (var (attrName, value) in attributes) node.Attributes.Set(OnnxAttribute.From(attrName, value));
        _builder.Graph.AddNode(node);
        return node.Outputs[0];
    }

    public Value Emit(string opType, params Value?[] inputs) => Emit(opType, inputs, []);

    /// <summary>Adds a node with several outputs.</summary>
    public IReadOnlyList<Value> EmitMany(string opType, Value?[] inputs, int outputs, params (string Name, object Value)[] attributes)
    {
        var values = Enumerable.Range(0, outputs).Select(i => new Value(Unique($"{opType.ToLowerInvariant()}_{_current?.Index ?? 0}_{i}"))).ToArray();
        var node = new Node(opType, inputs, values, "", $"{opType}_{_builder.Graph.Nodes.Count}");
        foreach (var (attrName, value) in attributes) node.Attributes.Set(OnnxAttribute.From(attrName, value));
        _builder.Graph.AddNode(node);
        return values;
    }

    /// <summary>A constant initializer (deduplicated by content for the small ones: axes, shapes, scales).</summary>
    public Value Constant<T>(string name, T[] values, params long[] dims) where T : unmanaged
    {
        var small = values.Length <= 16;
        string? key = null;
        if (small)
        {
            key = $"{typeof(T).Name}[{string.Join(",", dims)}]:{System.Convert.ToHexString(MemoryMarshal.AsBytes(values.AsSpan()))}";
            if (_constants.TryGetValue(key, out var existing)) return existing;
        }
        var value = _builder.Initializer(EdgeOpt.Onnx.Tensor.Create(Unique(name), values.AsSpan(), dims));
        if (key is not null) _constants[key] = value;
        return value;
    }

    public Value Int64s(params long[] values) => Constant("const_i64", values, values.Length);
    public Value Scalar(float value) => Constant("const_f32", [value]);

    // ---- tensor values ----------------------------------------------------------------------------------------------

    public bool IsConstant(int tensor) => tensor >= 0 && (_aliases.ContainsKey(tensor) || _model.Buffers[_graph.Tensors[tensor].Buffer].Length > 0 || _graph.Tensors[tensor].Sparsity is not null);

    public int Rank(int tensor) => _graph.Tensors[tensor].Shape.Length;

    /// <summary>The layout a tensor's computed value already has (channels-first when only that one exists).</summary>
    public Layout CurrentLayout(int tensor) =>
        _float.ContainsKey((tensor, Layout.Native)) || _raw.ContainsKey((tensor, Layout.Native)) ? Layout.Native
        : _float.ContainsKey((tensor, Layout.ChannelsFirst)) || _raw.ContainsKey((tensor, Layout.ChannelsFirst)) ? Layout.ChannelsFirst
        : Layout.Native;

    /// <summary>
    /// The tensor's value for computation in <paramref name="layout"/>: dequantized when the tensor is quantized, float32
    /// for float16 ones; other types (int32 shapes, bools) as they are. <paramref name="layout"/> matters for rank 4 only.
    /// </summary>
    public Value Float(int tensor, Layout layout = Layout.Native)
    {
        if (Rank(tensor) != 4) layout = Layout.Native;
        if (_float.TryGetValue((tensor, layout), out var v)) return v;
        if (IsConstant(tensor)) return _float[(tensor, layout)] = ConstantFloat(tensor, layout == Layout.ChannelsFirst ? ToChannelsFirst : null, 0);
        var other = layout == Layout.Native ? Layout.ChannelsFirst : Layout.Native;
        if (_float.TryGetValue((tensor, other), out var o)) return _float[(tensor, layout)] = Transpose(o, layout == Layout.ChannelsFirst ? ToChannelsFirst : ToNative);
        if (_raw.TryGetValue((tensor, layout), out var raw) || _raw.TryGetValue((tensor, other), out raw))
        {
            var rawLayout = _raw.ContainsKey((tensor, layout)) ? layout : other;
            var f = ToFloat(tensor, raw);
            _float[(tensor, rawLayout)] = f;
            return rawLayout == layout ? f : _float[(tensor, layout)] = Transpose(f, layout == Layout.ChannelsFirst ? ToChannelsFirst : ToNative);
        }
        Malformed($"tensor '{Tensor(tensor).Name}' is read before any operator writes it");
        return null!;
    }

    /// <summary>The tensor's value in its own TFLite type (what graph outputs and integer consumers need).</summary>
    public Value Raw(int tensor, Layout layout = Layout.Native)
    {
        if (Rank(tensor) != 4) layout = Layout.Native;
        if (_raw.TryGetValue((tensor, layout), out var v)) return v;
        if (IsConstant(tensor))
        {
            // An alias of another type (DEQUANTIZE of float16 weights) is the float view; otherwise the stored bytes.
            var perm = layout == Layout.ChannelsFirst ? ToChannelsFirst : null;
            return _raw[(tensor, layout)] = Tensor(Resolve(tensor)).Type == Tensor(tensor).Type ? ConstantRaw(tensor, perm, 0) : ConstantFloat(tensor, perm, 0);
        }
        var other = layout == Layout.Native ? Layout.ChannelsFirst : Layout.Native;
        if (_raw.TryGetValue((tensor, other), out var o)) return _raw[(tensor, layout)] = Transpose(o, layout == Layout.ChannelsFirst ? ToChannelsFirst : ToNative);
        var f = Float(tensor, layout);
        var t = Tensor(tensor);
        if (t.Type == TfliteTensorType.FLOAT16) return _raw[(tensor, layout)] = Emit("Cast", [f], [("to", (long)DataType.Float16)]);
        return f; // float32 and non-float tensors: the value is the value
    }

    /// <summary>
    /// Records what an operator computed for <paramref name="tensor"/> (in float, in <paramref name="layout"/>). A quantized
    /// tensor gets QuantizeLinear with its scale and zero point, then DequantizeLinear for its consumers.
    /// </summary>
    public void Bind(int tensor, Value computed, Layout layout = Layout.Native)
    {
        if (Rank(tensor) != 4) layout = Layout.Native;
        var t = Tensor(tensor);
        if (IsQuantized(t) && t.Type == TfliteTensorType.INT32)
        {
            // QuantizeLinear has no int32 output: round(x / scale) + zero point, saturated, as TFLite's QUANTIZE does — in
            // double, since int32 values pass float32's 24-bit mantissa.
            var q32 = t.Quantization!;
            var wide = Emit("Cast", [computed], [("to", (long)DataType.Double)]);
            var scaled = Emit("Round", Emit("Div", wide, Constant("const_f64", [(double)q32.Scale[0]])));
            var shifted = Emit("Add", scaled, Constant("const_f64", [(double)q32.ZeroPoint[0]]));
            var clipped = Emit("Clip", shifted, Constant("const_f64", [(double)int.MinValue]), Constant("const_f64", [(double)int.MaxValue]));
            var raw32 = Emit("Cast", [clipped], [("to", (long)DataType.Int32)], Unique(t.Name));
            _raw[(tensor, layout)] = raw32;
            _float[(tensor, layout)] = ToFloat(tensor, raw32);
            return;
        }
        if (IsQuantized(t))
        {
            var (scale, zeroPoint) = QuantParameters(t, axisOffset: 0, perm: null, out var axis);
            var attributes = axis is { } a ? new[] { ("axis", (object)(long)a) } : [];
            var q = Emit("QuantizeLinear", [computed, scale, zeroPoint], attributes, Unique(NameFor(t, layout)));
            _raw[(tensor, layout)] = q;
            _float[(tensor, layout)] = Emit("DequantizeLinear", [q, scale, zeroPoint], attributes, Unique(NameFor(t, layout) + "_dequantized"));
            return;
        }
        computed = RenameIfOwned(computed, NameFor(t, layout));
        _float[(tensor, layout)] = computed;
        if (t.Type != TfliteTensorType.FLOAT16) _raw[(tensor, layout)] = computed;
    }

    /// <summary>Binds a value that is already in the tensor's own type (e.g. an int32 shape or a quantized passthrough).</summary>
    public void BindRaw(int tensor, Value raw, Layout layout = Layout.Native)
    {
        if (Rank(tensor) != 4) layout = Layout.Native;
        _raw[(tensor, layout)] = RenameIfOwned(raw, NameFor(Tensor(tensor), layout));
    }

    /// <summary>The TFLite name for a tensor's own layout; channels-first copies get <c>_nchw</c>, so outputs keep the plain name.</summary>
    private static string NameFor(TfliteTensor t, Layout layout) => layout == Layout.ChannelsFirst ? t.Name + "_nchw" : t.Name;

    /// <summary>Gives a freshly computed value the TFLite tensor's name, for readable graphs.</summary>
    private Value RenameIfOwned(Value value, string name)
    {
        if (value.Producer is null || value.IsGraphOutput || value.Name == name || name.Length == 0 || _names.Contains(name)) return value;
        _names.Remove(value.Name);
        value.Name = Reserve(name);
        return value;
    }

    /// <summary>Whether a tensor holds affinely quantized integers (int32 ones too: 16x8 models requantize through them).</summary>
    public static bool IsQuantized(TfliteTensor t) =>
        t.Quantization is not null && t.Type is TfliteTensorType.INT8 or TfliteTensorType.UINT8 or TfliteTensorType.INT16 or TfliteTensorType.INT32;

    public Value Transpose(Value value, int[] perm) => Emit("Transpose", [value], [("perm", perm.Select(p => (long)p).ToArray())]);

    private Value ToFloat(int tensor, Value raw)
    {
        var t = Tensor(tensor);
        if (IsQuantized(t))
        {
            var (scale, zeroPoint) = QuantParameters(t, 0, null, out var axis);
            return Emit("DequantizeLinear", [raw, scale, zeroPoint], axis is { } a ? [("axis", (object)(long)a)] : [], Unique(t.Name + "_dequantized"));
        }
        if (t.Type == TfliteTensorType.FLOAT16) return Emit("Cast", [raw], [("to", (long)DataType.Float)]);
        return raw;
    }

    /// <summary>Scale and zero-point initializers of a quantized tensor; <paramref name="axis"/> is set when per-axis.</summary>
    public (Value Scale, Value ZeroPoint) QuantParameters(TfliteTensor t, int axisOffset, int[]? perm, out int? axis)
    {
        var q = t.Quantization!;
        axis = null;
        if (q.PerAxis)
        {
            var a = q.Axis + axisOffset;
            axis = perm is null ? a : Array.IndexOf(perm, a);
        }
        var scale = q.PerAxis ? Constant(t.Name + "_scale", q.Scale, q.Scale.Length) : Constant(t.Name + "_scale", [q.Scale[0]]);
        var zpType = ZeroPointType(t);
        Value zero;
        var dims = q.PerAxis ? new long[] { q.ZeroPoint.Length } : [];
        var zps = q.PerAxis ? q.ZeroPoint : [q.ZeroPoint[0]];
        switch (zpType)
        {
            case DataType.Int8:
                zero = Constant(t.Name + "_zero_point", zps.Select(z => (sbyte)Math.Clamp(z, sbyte.MinValue, sbyte.MaxValue)).ToArray(), dims);
                break;
            case DataType.UInt8:
                zero = Constant(t.Name + "_zero_point", zps.Select(z => (byte)Math.Clamp(z, byte.MinValue, byte.MaxValue)).ToArray(), dims);
                break;
            case DataType.Int16:
                zero = Constant(t.Name + "_zero_point", zps.Select(z => (short)Math.Clamp(z, short.MinValue, short.MaxValue)).ToArray(), dims);
                break;
            case DataType.Int32:
                zero = Constant(t.Name + "_zero_point", zps.Select(z => (int)Math.Clamp(z, int.MinValue, int.MaxValue)).ToArray(), dims);
                break;
            default:
                Unsupported($"tensor '{t.Name}' is quantized {t.Type}, which has no ONNX DequantizeLinear form");
                return default;
        }
        return (scale, zero);
    }

    private DataType ZeroPointType(TfliteTensor t) => t.Type switch
    {
        TfliteTensorType.INT8 => DataType.Int8,
        TfliteTensorType.UINT8 => DataType.UInt8,
        TfliteTensorType.INT16 => DataType.Int16,
        TfliteTensorType.INT32 => DataType.Int32,
        _ => DataType.Undefined,
    };

    // ---- types and shapes -------------------------------------------------------------------------------------------

    public DataType OnnxDataType(TfliteTensor t) => t.Type switch
    {
        TfliteTensorType.FLOAT32 => DataType.Float,
        TfliteTensorType.FLOAT16 => DataType.Float16,
        TfliteTensorType.FLOAT64 => DataType.Double,
        TfliteTensorType.INT8 => DataType.Int8,
        TfliteTensorType.UINT8 => DataType.UInt8,
        TfliteTensorType.INT16 => DataType.Int16,
        TfliteTensorType.UINT16 => DataType.UInt16,
        TfliteTensorType.INT32 => DataType.Int32,
        TfliteTensorType.UINT32 => DataType.UInt32,
        TfliteTensorType.INT64 => DataType.Int64,
        TfliteTensorType.UINT64 => DataType.UInt64,
        TfliteTensorType.BOOL => DataType.Bool,
        TfliteTensorType.BFLOAT16 => DataType.BFloat16,
        _ => UnsupportedType(t),
    };

    private DataType UnsupportedType(TfliteTensor t)
    {
        Unsupported($"tensor '{t.Name}' has type {t.Type}, which has no ONNX tensor equivalent");
        return default;
    }

    private TensorType OnnxTypeOf(TfliteTensor t) => new(OnnxDataType(t), new TensorShape(InputShape(t)));

    /// <summary>The shape with shape_signature's unknown (-1) dimensions as symbols (batch first: <c>N</c>).</summary>
    private static Dim[] InputShape(TfliteTensor t)
    {
        var dims = new Dim[t.Shape.Length];
        for (var i = 0; i < dims.Length; i++)
            dims[i] = t.ShapeSignature is { } s && s[i] == -1 ? Dim.Symbolic(i == 0 ? "N" : $"{Sanitize(t.Name)}_d{i}") : Dim.Of(t.Shape[i]);
        return dims;
    }

    private static string Sanitize(string name) => new(name.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());

    /// <summary>Whether a dimension of the tensor is unknown until run time (shape_signature -1).</summary>
    public bool IsDynamic(int tensor, int axis) => Tensor(tensor).ShapeSignature is { } s && s[axis] == -1;
}
