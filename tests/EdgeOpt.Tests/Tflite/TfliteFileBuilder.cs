using System.Runtime.InteropServices;
using EdgeOpt.Onnx.Tflite.Schema;
using Google.FlatBuffers;

namespace EdgeOpt.Tests.Tflite;

/// <summary>
/// Writes .tflite files with FlatBuffers' own <see cref="FlatBufferBuilder"/> following TFLite's schema.fbs (the slot
/// numbers are the schema's field order). Everything is plain data the tests may set to anything: negative or huge
/// indices, shapes and offsets are written as given, so a bad file is a valid one with one field changed.
/// <see cref="Positions"/> says where each table, vector and string landed, for corruptions below the schema level.
/// </summary>
internal sealed class TfliteFileBuilder
{
    public uint Version { get; set; } = 3;
    public string? Description { get; set; }
    public List<TflCode> OperatorCodes { get; } = [];
    public List<TflSubgraph> Subgraphs { get; } = [];

    /// <summary>Buffer 0 is the empty sentinel every TFLite file starts with (tensors without data point at it).</summary>
    public List<TflBuffer> Buffers { get; } = [new()];

    public List<TflSignature> Signatures { get; } = [];

    /// <summary>Byte position of each named object in the last <see cref="Build"/>: tables, vectors and strings (their length prefix).</summary>
    public IReadOnlyDictionary<string, int> Positions => _positions;

    private readonly Dictionary<string, int> _positions = new(StringComparer.Ordinal);
    private readonly List<(string Name, int Offset)> _pending = [];

    public int AddCode(BuiltinOperator op, int version = 1)
    {
        OperatorCodes.Add(new TflCode { Builtin = (int)op, Version = version });
        return OperatorCodes.Count - 1;
    }

    public int AddCustomCode(string name)
    {
        OperatorCodes.Add(new TflCode { Builtin = (int)BuiltinOperator.CUSTOM, Custom = name });
        return OperatorCodes.Count - 1;
    }

    public uint AddBuffer(byte[] data)
    {
        Buffers.Add(new TflBuffer { Data = data });
        return (uint)(Buffers.Count - 1);
    }

    public uint AddBuffer<T>(params T[] values) where T : unmanaged => AddBuffer(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>A buffer stored after the FlatBuffer and addressed by offset and size (what files over 2 GB do).</summary>
    public uint AddOffsetBuffer<T>(params T[] values) where T : unmanaged
    {
        Buffers.Add(new TflBuffer { Appended = MemoryMarshal.AsBytes(values.AsSpan()).ToArray() });
        return (uint)(Buffers.Count - 1);
    }

    /// <summary>The file: the FlatBuffer (identifier TFL3), then the bytes of offset-addressed buffers, each 16-aligned.</summary>
    public byte[] Build()
    {
        // Appended buffers need the FlatBuffer's length for their offsets; offset and size are fixed-width fields, so a
        // first pass with placeholders has the final length.
        var placeholders = Buffers.Where(b => b.Appended is not null).ToList();
        foreach (var b in placeholders) (b.Offset, b.Size) = (ulong.MaxValue, ulong.MaxValue);
        var flat = Serialize();
        if (placeholders.Count == 0) return flat;
        var file = new List<byte>(flat);
        foreach (var b in placeholders)
        {
            while (file.Count % 16 != 0) file.Add(0);
            (b.Offset, b.Size) = ((ulong)file.Count, (ulong)b.Appended!.Length);
            file.AddRange(b.Appended);
        }
        var final = Serialize();
        if (final.Length != flat.Length) throw new InvalidOperationException("the second pass changed the FlatBuffer's length");
        var bytes = file.ToArray();
        final.CopyTo(bytes, 0);
        return bytes;
    }

    private byte[] Serialize()
    {
        _positions.Clear();
        _pending.Clear();
        var b = new FlatBufferBuilder(1024) { ForceDefaults = true };

        var codes = OperatorCodes.Select((c, i) => WriteCode(b, c, $"operator_codes[{i}]")).ToArray();
        var subgraphs = Subgraphs.Select((g, i) => WriteSubgraph(b, g, $"subgraphs[{i}]")).ToArray();
        var buffers = Buffers.Select((buffer, i) => WriteBuffer(b, buffer, $"buffers[{i}]")).ToArray();
        var signatures = Signatures.Select((s, i) => WriteSignature(b, s, $"signature_defs[{i}]")).ToArray();
        var description = Description is null ? 0 : b.CreateString(Description).Value;
        var codesVector = Tables(b, codes, "model.operator_codes");
        var subgraphsVector = Tables(b, subgraphs, "model.subgraphs");
        var buffersVector = Tables(b, buffers, "model.buffers");
        var signaturesVector = Signatures.Count == 0 ? 0 : Tables(b, signatures, "model.signature_defs");

        b.StartTable(8);
        b.AddUint(0, Version, 0);
        b.AddOffset(1, codesVector, 0);
        b.AddOffset(2, subgraphsVector, 0);
        if (description != 0) b.AddOffset(3, description, 0);
        b.AddOffset(4, buffersVector, 0);
        if (signaturesVector != 0) b.AddOffset(7, signaturesVector, 0);
        var model = Mark(b.EndTable(), "model");
        b.Finish(model, "TFL3");

        var bytes = b.SizedByteArray();
        foreach (var (name, offset) in _pending) _positions[name] = bytes.Length - offset;
        return bytes;
    }

    private int Mark(int offset, string name)
    {
        _pending.Add((name, offset));
        return offset;
    }

    private int WriteCode(FlatBufferBuilder b, TflCode c, string where)
    {
        var custom = c.Custom is null ? 0 : Mark(b.CreateString(c.Custom).Value, where + ".custom_code");
        b.StartTable(4);
        // Old readers look at deprecated_builtin_code only: it holds the code up to 127, PLACEHOLDER_FOR_GREATER_OP_CODES past it.
        b.AddSbyte(0, c.Deprecated ?? (sbyte)Math.Clamp(c.Builtin, 0, 127), 0);
        if (custom != 0) b.AddOffset(1, custom, 0);
        b.AddInt(2, c.Version, 1);
        b.AddInt(3, c.Builtin, 0);
        return Mark(b.EndTable(), where);
    }

    private int WriteSubgraph(FlatBufferBuilder b, TflSubgraph g, string where)
    {
        var tensors = Tables(b, g.Tensors.Select((t, i) => WriteTensor(b, t, $"{where}.tensors[{i}]")).ToArray(), where + ".tensors");
        var inputs = Ints(b, g.Inputs, where + ".inputs");
        var outputs = Ints(b, g.Outputs, where + ".outputs");
        var operators = Tables(b, g.Operators.Select((o, i) => WriteOperator(b, o, $"{where}.operators[{i}]")).ToArray(), where + ".operators");
        var name = g.Name is null ? 0 : Mark(b.CreateString(g.Name).Value, where + ".name");
        b.StartTable(5);
        b.AddOffset(0, tensors, 0);
        b.AddOffset(1, inputs, 0);
        b.AddOffset(2, outputs, 0);
        b.AddOffset(3, operators, 0);
        if (name != 0) b.AddOffset(4, name, 0);
        return Mark(b.EndTable(), where);
    }

    private int WriteTensor(FlatBufferBuilder b, TflTensor t, string where)
    {
        var shape = Ints(b, t.Shape, where + ".shape");
        var name = t.Name is null ? 0 : Mark(b.CreateString(t.Name).Value, where + ".name");
        var quantization = t.Quantization is null ? 0 : WriteQuantization(b, t.Quantization, where + ".quantization");
        var sparsity = t.Sparsity is null ? 0 : WriteSparsity(b, t.Sparsity, where + ".sparsity");
        var signature = t.ShapeSignature is null ? 0 : Ints(b, t.ShapeSignature, where + ".shape_signature");
        b.StartTable(8);
        b.AddOffset(0, shape, 0);
        b.AddSbyte(1, (sbyte)t.Type, 0);
        b.AddUint(2, t.Buffer, 0);
        if (name != 0) b.AddOffset(3, name, 0);
        if (quantization != 0) b.AddOffset(4, quantization, 0);
        if (sparsity != 0) b.AddOffset(6, sparsity, 0);
        if (signature != 0) b.AddOffset(7, signature, 0);
        return Mark(b.EndTable(), where);
    }

    private int WriteQuantization(FlatBufferBuilder b, TflQuantization q, string where)
    {
        var min = q.Min is null ? 0 : Floats(b, q.Min, where + ".min");
        var max = q.Max is null ? 0 : Floats(b, q.Max, where + ".max");
        var scale = q.Scale is null ? 0 : Floats(b, q.Scale, where + ".scale");
        var zeroPoint = q.ZeroPoint is null ? 0 : Longs(b, q.ZeroPoint, where + ".zero_point");
        b.StartTable(7);
        if (min != 0) b.AddOffset(0, min, 0);
        if (max != 0) b.AddOffset(1, max, 0);
        if (scale != 0) b.AddOffset(2, scale, 0);
        if (zeroPoint != 0) b.AddOffset(3, zeroPoint, 0);
        if (q.DetailsType != 0) b.AddByte(4, q.DetailsType, 0);
        b.AddInt(6, q.QuantizedDimension, 0);
        return Mark(b.EndTable(), where);
    }

    private int WriteSparsity(FlatBufferBuilder b, TflSparsity s, string where)
    {
        var order = s.TraversalOrder is null ? 0 : Ints(b, s.TraversalOrder, where + ".traversal_order");
        var blockMap = s.BlockMap is null ? 0 : Ints(b, s.BlockMap, where + ".block_map");
        var dims = Tables(b, s.Dimensions.Select((d, i) => WriteDimension(b, d, $"{where}.dim_metadata[{i}]")).ToArray(), where + ".dim_metadata");
        b.StartTable(3);
        if (order != 0) b.AddOffset(0, order, 0);
        if (blockMap != 0) b.AddOffset(1, blockMap, 0);
        b.AddOffset(2, dims, 0);
        return Mark(b.EndTable(), where);
    }

    private int WriteDimension(FlatBufferBuilder b, TflDimension d, string where)
    {
        var segments = d.Segments is null ? 0 : IndexVector(b, d.IndexType, d.Segments, where + ".array_segments");
        var indices = d.Indices is null ? 0 : IndexVector(b, d.IndexType, d.Indices, where + ".array_indices");
        b.StartTable(6);
        b.AddByte(0, d.Sparse ? (byte)1 : (byte)0, 0);
        b.AddInt(1, d.DenseSize, 0);
        if (segments != 0)
        {
            b.AddByte(2, d.IndexType, 0);
            b.AddOffset(3, segments, 0);
        }
        if (indices != 0)
        {
            b.AddByte(4, d.IndexType, 0);
            b.AddOffset(5, indices, 0);
        }
        return Mark(b.EndTable(), where);
    }

    /// <summary>A SparseIndexVector union member: Int32Vector (1), Uint16Vector (2) or Uint8Vector (3), each a table with one <c>values</c> vector.</summary>
    private int IndexVector(FlatBufferBuilder b, byte type, int[] values, string where)
    {
        int vector;
        switch (type)
        {
            case 2:
                b.StartVector(2, values.Length, 2);
                for (var i = values.Length - 1; i >= 0; i--) b.AddUshort((ushort)values[i]);
                vector = b.EndVector().Value;
                break;
            case 3:
                vector = Bytes(b, values.Select(v => (byte)v).ToArray(), 1, where + ".values");
                break;
            default:
                vector = Ints(b, values, where + ".values");
                break;
        }
        b.StartTable(1);
        b.AddOffset(0, vector, 0);
        return Mark(b.EndTable(), where);
    }

    private int WriteOperator(FlatBufferBuilder b, TflOperator o, string where)
    {
        var inputs = Ints(b, o.Inputs, where + ".inputs");
        var outputs = Ints(b, o.Outputs, where + ".outputs");
        var options = o.Options is null ? 0 : WriteOptions(b, o.Options, where + ".builtin_options");
        var custom = o.CustomOptions is null ? 0 : Bytes(b, o.CustomOptions, 1, where + ".custom_options");
        b.StartTable(11);
        b.AddUint(0, o.OpcodeIndex, 0);
        b.AddOffset(1, inputs, 0);
        b.AddOffset(2, outputs, 0);
        if (o.OptionsType != 0 || options != 0) b.AddByte(3, o.OptionsType, 0);
        if (options != 0) b.AddOffset(4, options, 0);
        if (custom != 0) b.AddOffset(5, custom, 0);
        if (o.LargeCustomOptionsOffset is { } offset)
        {
            b.AddUlong(9, offset, 0);
            b.AddUlong(10, o.LargeCustomOptionsSize, 0);
        }
        return Mark(b.EndTable(), where);
    }

    /// <summary>A builtin options table from (slot, value) pairs; the value's C# type picks the field's width.</summary>
    private int WriteOptions(FlatBufferBuilder b, (int Slot, object Value)[] fields, string where)
    {
        b.StartTable(fields.Length == 0 ? 0 : fields.Max(f => f.Slot) + 1);
        foreach (var (slot, value) in fields)
        {
            switch (value)
            {
                case int v: b.AddInt(slot, v, 0); break;
                case uint v: b.AddUint(slot, v, 0); break;
                case float v: b.AddFloat(slot, v, 0); break;
                case bool v: b.AddBool(slot, v, false); break;
                case byte v: b.AddByte(slot, v, 0); break;
                case sbyte v: b.AddSbyte(slot, v, 0); break;
                case long v: b.AddLong(slot, v, 0); break;
                default: throw new ArgumentException($"options field {slot}: {value.GetType().Name} is not a scalar the builder writes");
            }
        }
        return Mark(b.EndTable(), where);
    }

    private int WriteBuffer(FlatBufferBuilder b, TflBuffer buffer, string where)
    {
        // schema.fbs: data is force_align 16, so tensors can be used in place.
        var data = buffer.Data is null ? 0 : Bytes(b, buffer.Data, 16, where + ".data");
        b.StartTable(3);
        if (data != 0) b.AddOffset(0, data, 0);
        if (buffer.Offset is { } offset)
        {
            b.AddUlong(1, offset, 0);
            b.AddUlong(2, buffer.Size ?? 0, 0);
        }
        return Mark(b.EndTable(), where);
    }

    private int WriteSignature(FlatBufferBuilder b, TflSignature s, string where)
    {
        int Map((string Name, uint Tensor) m, string at)
        {
            var name = b.CreateString(m.Name).Value;
            b.StartTable(2);
            b.AddOffset(0, name, 0);
            b.AddUint(1, m.Tensor, 0);
            return Mark(b.EndTable(), at);
        }
        var inputs = Tables(b, s.Inputs.Select((m, i) => Map(m, $"{where}.inputs[{i}]")).ToArray(), where + ".inputs");
        var outputs = Tables(b, s.Outputs.Select((m, i) => Map(m, $"{where}.outputs[{i}]")).ToArray(), where + ".outputs");
        var key = b.CreateString(s.Key).Value;
        b.StartTable(5);
        b.AddOffset(0, inputs, 0);
        b.AddOffset(1, outputs, 0);
        b.AddOffset(2, key, 0);
        b.AddUint(4, s.Subgraph, 0);
        return Mark(b.EndTable(), where);
    }

    private int Tables(FlatBufferBuilder b, int[] tables, string where)
    {
        b.StartVector(4, tables.Length, 4);
        for (var i = tables.Length - 1; i >= 0; i--) b.AddOffset(tables[i]);
        return Mark(b.EndVector().Value, where);
    }

    private int Ints(FlatBufferBuilder b, int[] values, string where)
    {
        b.StartVector(4, values.Length, 4);
        for (var i = values.Length - 1; i >= 0; i--) b.AddInt(values[i]);
        return Mark(b.EndVector().Value, where);
    }

    private int Floats(FlatBufferBuilder b, float[] values, string where)
    {
        b.StartVector(4, values.Length, 4);
        for (var i = values.Length - 1; i >= 0; i--) b.AddFloat(values[i]);
        return Mark(b.EndVector().Value, where);
    }

    private int Longs(FlatBufferBuilder b, long[] values, string where)
    {
        b.StartVector(8, values.Length, 8);
        for (var i = values.Length - 1; i >= 0; i--) b.AddLong(values[i]);
        return Mark(b.EndVector().Value, where);
    }

    private int Bytes(FlatBufferBuilder b, byte[] values, int alignment, string where)
    {
        b.StartVector(1, values.Length, alignment);
        for (var i = values.Length - 1; i >= 0; i--) b.AddByte(values[i]);
        return Mark(b.EndVector().Value, where);
    }
}

/// <summary>An OperatorCode: <see cref="Builtin"/> goes to builtin_code, and (clamped to 127) to deprecated_builtin_code unless <see cref="Deprecated"/> says otherwise.</summary>
internal sealed class TflCode
{
    public int Builtin { get; set; }
    public sbyte? Deprecated { get; set; }
    public string? Custom { get; set; }
    public int Version { get; set; } = 1;
}

internal sealed class TflSubgraph
{
    public List<TflTensor> Tensors { get; } = [];
    public int[] Inputs { get; set; } = [];
    public int[] Outputs { get; set; } = [];
    public List<TflOperator> Operators { get; } = [];
    public string? Name { get; set; } = "main";

    /// <summary>Adds a tensor and returns its index.</summary>
    public int Add(TflTensor tensor)
    {
        Tensors.Add(tensor);
        return Tensors.Count - 1;
    }
}

internal sealed class TflTensor
{
    public int[] Shape { get; set; } = [];
    public TfliteTensorType Type { get; set; } = TfliteTensorType.FLOAT32;
    public uint Buffer { get; set; }
    public string? Name { get; set; }
    public TflQuantization? Quantization { get; set; }
    public TflSparsity? Sparsity { get; set; }
    public int[]? ShapeSignature { get; set; }
}

internal sealed class TflQuantization
{
    public float[]? Min { get; set; }
    public float[]? Max { get; set; }
    public float[]? Scale { get; set; }
    public long[]? ZeroPoint { get; set; }
    public int QuantizedDimension { get; set; }

    /// <summary>The QuantizationDetails union's type (0: none; anything else is a custom scheme).</summary>
    public byte DetailsType { get; set; }
}

internal sealed class TflSparsity
{
    public int[]? TraversalOrder { get; set; }
    public int[]? BlockMap { get; set; }
    public List<TflDimension> Dimensions { get; } = [];
}

/// <summary>DimensionMetadata: dense with <see cref="DenseSize"/>, or CSR with segments and indices.</summary>
internal sealed class TflDimension
{
    public bool Sparse { get; set; }
    public int DenseSize { get; set; }
    public int[]? Segments { get; set; }
    public int[]? Indices { get; set; }

    /// <summary>SparseIndexVector type for both vectors: 1 Int32Vector, 2 Uint16Vector, 3 Uint8Vector.</summary>
    public byte IndexType { get; set; } = 1;
}

internal sealed class TflOperator
{
    public uint OpcodeIndex { get; set; }
    public int[] Inputs { get; set; } = [];
    public int[] Outputs { get; set; } = [];

    /// <summary>The BuiltinOptions union's type (e.g. 1 Conv2DOptions, 11 AddOptions, 93 WhileOptions).</summary>
    public byte OptionsType { get; set; }

    /// <summary>The options table as (slot, value) pairs; null: no table.</summary>
    public (int Slot, object Value)[]? Options { get; set; }

    public byte[]? CustomOptions { get; set; }
    public ulong? LargeCustomOptionsOffset { get; set; }
    public ulong LargeCustomOptionsSize { get; set; }
}

/// <summary>A Buffer: inline <see cref="Data"/>, or <see cref="Offset"/>/<see cref="Size"/> into the file (set them raw, or use <see cref="Appended"/>).</summary>
internal sealed class TflBuffer
{
    public byte[]? Data { get; set; }
    public ulong? Offset { get; set; }
    public ulong? Size { get; set; }

    /// <summary>Bytes the builder stores after the FlatBuffer, filling in <see cref="Offset"/> and <see cref="Size"/>.</summary>
    public byte[]? Appended { get; set; }
}

internal sealed class TflSignature
{
    public string Key { get; set; } = "serving_default";
    public uint Subgraph { get; set; }
    public List<(string Name, uint Tensor)> Inputs { get; } = [];
    public List<(string Name, uint Tensor)> Outputs { get; } = [];
}

/// <summary>BuiltinOptions union types the tests use (schema.fbs's BuiltinOptions order).</summary>
internal static class TflOptionsType
{
    public const byte Conv2D = 1, DepthwiseConv2D = 2, FullyConnected = 8, Add = 11, UnidirectionalSequenceLstm = 71, If = 92, While = 93, BatchMatMul = 101, CallOnce = 103;
}

/// <summary>Small valid models the bad-input tests start from; each is proven by TfliteFileBuilderTests to convert and run.</summary>
internal static class TfliteSamples
{
    public static readonly float[] AddConstant = [0.5f, -1f, 2f, 10f];

    /// <summary>y = relu(x + c): x float [1,4] (tensor 0), c a constant (tensor 1, buffer 1), y (tensor 2); ADD is operator 0.</summary>
    public static TfliteFileBuilder Add(bool constantByOffset = false)
    {
        var file = new TfliteFileBuilder();
        var add = file.AddCode(BuiltinOperator.ADD);
        var buffer = constantByOffset ? file.AddOffsetBuffer(AddConstant) : file.AddBuffer(AddConstant);
        var g = new TflSubgraph();
        var x = g.Add(new TflTensor { Shape = [1, 4], Name = "x" });
        var c = g.Add(new TflTensor { Shape = [1, 4], Name = "c", Buffer = buffer });
        var y = g.Add(new TflTensor { Shape = [1, 4], Name = "y" });
        g.Operators.Add(new TflOperator
        {
            OpcodeIndex = (uint)add, Inputs = [x, c], Outputs = [y],
            OptionsType = TflOptionsType.Add, Options = [(0, (byte)FusedActivation.RELU)],
        });
        (g.Inputs, g.Outputs) = ([x], [y]);
        file.Subgraphs.Add(g);
        return file;
    }

    /// <summary>
    /// CONV_2D, VALID, stride 1: x [1,3,3,1] (tensor 0), filter [2,2,2,1] OHWI (tensor 1): channel 0 adds the diagonal
    /// pair, channel 1 sums the 2×2 window; bias [0.5, -10] (tensor 2); y [1,2,2,2] (tensor 3).
    /// </summary>
    public static TfliteFileBuilder Conv()
    {
        var file = new TfliteFileBuilder();
        var conv = file.AddCode(BuiltinOperator.CONV_2D);
        var g = new TflSubgraph();
        var x = g.Add(new TflTensor { Shape = [1, 3, 3, 1], Name = "image" });
        var w = g.Add(new TflTensor { Shape = [2, 2, 2, 1], Name = "filter", Buffer = file.AddBuffer(1f, 0f, 0f, 1f, 1f, 1f, 1f, 1f) });
        var b = g.Add(new TflTensor { Shape = [2], Name = "bias", Buffer = file.AddBuffer(0.5f, -10f) });
        var y = g.Add(new TflTensor { Shape = [1, 2, 2, 2], Name = "features" });
        g.Operators.Add(new TflOperator
        {
            OpcodeIndex = (uint)conv, Inputs = [x, w, b], Outputs = [y],
            // padding VALID (1), stride_w, stride_h, no activation, dilations 1.
            OptionsType = TflOptionsType.Conv2D, Options = [(0, (byte)1), (1, 1), (2, 1), (3, (byte)0), (4, 1), (5, 1)],
        });
        (g.Inputs, g.Outputs) = ([x], [y]);
        file.Subgraphs.Add(g);
        return file;
    }

    /// <summary>
    /// y = x + DEQUANTIZE(w): w int8 [2,3] quantized per axis 0 (scales 0.5 and 2, zero points 1 and -1), values
    /// [[3,1,-1],[0,2,4]], i.e. [[1,0,-1],[2,6,10]]. Tensors: x 0, w 1, w dequantized 2, y 3.
    /// </summary>
    public static TfliteFileBuilder PerAxisWeights()
    {
        var file = new TfliteFileBuilder();
        var dequantize = file.AddCode(BuiltinOperator.DEQUANTIZE);
        var add = file.AddCode(BuiltinOperator.ADD);
        var g = new TflSubgraph();
        var x = g.Add(new TflTensor { Shape = [2, 3], Name = "x" });
        var w = g.Add(new TflTensor
        {
            Shape = [2, 3], Type = TfliteTensorType.INT8, Name = "w", Buffer = file.AddBuffer<sbyte>(3, 1, -1, 0, 2, 4),
            Quantization = new TflQuantization { Scale = [0.5f, 2f], ZeroPoint = [1, -1], QuantizedDimension = 0 },
        });
        var wf = g.Add(new TflTensor { Shape = [2, 3], Name = "w_float" });
        var y = g.Add(new TflTensor { Shape = [2, 3], Name = "y" });
        g.Operators.Add(new TflOperator { OpcodeIndex = (uint)dequantize, Inputs = [w], Outputs = [wf] });
        g.Operators.Add(new TflOperator { OpcodeIndex = (uint)add, Inputs = [x, wf], Outputs = [y], OptionsType = TflOptionsType.Add, Options = [] });
        (g.Inputs, g.Outputs) = ([x], [y]);
        file.Subgraphs.Add(g);
        return file;
    }

    /// <summary>
    /// y = x + DENSIFY(s): s float [2,3] stored CSR (row dense, column sparse: segments [0,1,3], indices [1,0,2],
    /// values [5,6,7]), i.e. [[0,5,0],[6,0,7]]. Tensors: x 0, s 1, s dense 2, y 3.
    /// </summary>
    public static TfliteFileBuilder Sparse()
    {
        var file = new TfliteFileBuilder();
        var densify = file.AddCode(BuiltinOperator.DENSIFY);
        var add = file.AddCode(BuiltinOperator.ADD);
        var g = new TflSubgraph();
        var x = g.Add(new TflTensor { Shape = [2, 3], Name = "x" });
        var sparsity = new TflSparsity { TraversalOrder = [0, 1] };
        sparsity.Dimensions.Add(new TflDimension { DenseSize = 2 });
        sparsity.Dimensions.Add(new TflDimension { Sparse = true, Segments = [0, 1, 3], Indices = [1, 0, 2] });
        var s = g.Add(new TflTensor { Shape = [2, 3], Name = "s", Buffer = file.AddBuffer(5f, 6f, 7f), Sparsity = sparsity });
        var dense = g.Add(new TflTensor { Shape = [2, 3], Name = "s_dense" });
        var y = g.Add(new TflTensor { Shape = [2, 3], Name = "y" });
        g.Operators.Add(new TflOperator { OpcodeIndex = (uint)densify, Inputs = [s], Outputs = [dense] });
        g.Operators.Add(new TflOperator { OpcodeIndex = (uint)add, Inputs = [x, dense], Outputs = [y], OptionsType = TflOptionsType.Add, Options = [] });
        (g.Inputs, g.Outputs) = ([x], [y]);
        file.Subgraphs.Add(g);
        return file;
    }

    /// <summary>
    /// Subgraph 0 runs WHILE (cond <paramref name="cond"/>, body <paramref name="body"/>) over an int32 counter; subgraph
    /// 1 is the condition (counter &lt; 3), subgraph 2 the body (counter + 1). The converter does not take WHILE, so valid
    /// indices end in UnsupportedOperatorException: the reader's checks on the indices come first.
    /// </summary>
    public static TfliteFileBuilder While(int cond = 1, int body = 2)
    {
        var file = new TfliteFileBuilder();
        var loop = file.AddCode(BuiltinOperator.WHILE);
        var less = file.AddCode(BuiltinOperator.LESS);
        var add = file.AddCode(BuiltinOperator.ADD);
        var three = file.AddBuffer(3);
        var one = file.AddBuffer(1);

        var main = new TflSubgraph();
        var i = main.Add(new TflTensor { Type = TfliteTensorType.INT32, Name = "i" });
        var result = main.Add(new TflTensor { Type = TfliteTensorType.INT32, Name = "result" });
        main.Operators.Add(new TflOperator { OpcodeIndex = (uint)loop, Inputs = [i], Outputs = [result], OptionsType = TflOptionsType.While, Options = [(0, cond), (1, body)] });
        (main.Inputs, main.Outputs) = ([i], [result]);

        var condition = new TflSubgraph { Name = "cond" };
        var ci = condition.Add(new TflTensor { Type = TfliteTensorType.INT32, Name = "i" });
        var limit = condition.Add(new TflTensor { Type = TfliteTensorType.INT32, Name = "limit", Buffer = three });
        var go = condition.Add(new TflTensor { Type = TfliteTensorType.BOOL, Name = "go" });
        condition.Operators.Add(new TflOperator { OpcodeIndex = (uint)less, Inputs = [ci, limit], Outputs = [go] });
        (condition.Inputs, condition.Outputs) = ([ci], [go]);

        var step = new TflSubgraph { Name = "body" };
        var bi = step.Add(new TflTensor { Type = TfliteTensorType.INT32, Name = "i" });
        var increment = step.Add(new TflTensor { Type = TfliteTensorType.INT32, Name = "one", Buffer = one });
        var next = step.Add(new TflTensor { Type = TfliteTensorType.INT32, Name = "next" });
        step.Operators.Add(new TflOperator { OpcodeIndex = (uint)add, Inputs = [bi, increment], Outputs = [next], OptionsType = TflOptionsType.Add, Options = [] });
        (step.Inputs, step.Outputs) = ([bi], [next]);

        file.Subgraphs.AddRange([main, condition, step]);
        return file;
    }
}
