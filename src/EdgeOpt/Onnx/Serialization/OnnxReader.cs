using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace EdgeOpt.Onnx.Serialization;

/// <summary>
/// Decodes ONNX protobuf (ModelProto) into the IR. The file is memory-mapped and tensor payloads stay slices
/// of it; external data is validated up front (paths and ranges) and mapped only when first read.
/// </summary>
internal sealed partial class OnnxReader
{
    private readonly string? _baseDirectory;
    private readonly string _fileName;
    private readonly ModelLoadOptions _options;
    private readonly MappedFile? _mapped;
    private readonly ExternalDataStore _external = new();
    // Where a symlinked model really lives: external data may also lie under this folder (ONNX Runtime's rule since PR #27374).
    private string? _realModelDirectory;
    private int _depth;
    private int _graphDepth = -1; // the main graph is depth 0

    private OnnxReader(string? baseDirectory, string fileName, ModelLoadOptions options, MappedFile? mapped)
    {
        _baseDirectory = baseDirectory;
        _fileName = fileName;
        _options = options;
        _mapped = mapped;
    }

    public static Model Load(string path, ModelLoadOptions options)
    {
        var fileName = Path.GetFileName(path);
        if (Directory.Exists(path)) ThrowHelper.ModelFormat(FormatSniffer.DescribeFolder(path) ?? $"'{path}' is a directory, not an ONNX model file");
        if (!File.Exists(path)) ThrowHelper.ModelFormat($"model file '{path}' does not exist");
        var length = FileLength.Of(path);
        if (length == 0) ThrowHelper.ModelFormat($"'{path}' is empty (0 bytes); expected an ONNX model");

        Span<byte> head = stackalloc byte[64];
        int read;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            read = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        // TensorFlow Lite files are converted in memory, so every command takes them (Onnx/Tflite).
        if (Tflite.TfliteConverter.IsTflite(head[..read])) return Tflite.TfliteConverter.Convert(path);
        if (FormatSniffer.DescribeFile(path, head[..read]) is { } what) ThrowHelper.ModelFormat(what);
        if (length > int.MaxValue)
            ThrowHelper.ModelFormat($"'{path}' is {length} bytes; a protobuf file cannot exceed 2 GiB — large models keep their weights in external data files");

        var mapped = new MappedFile(path);
        try
        {
            var reader = new OnnxReader(Path.GetDirectoryName(Path.GetFullPath(path)), fileName, options, mapped)
            {
                _realModelDirectory = RealModelDirectory(path),
            };
            var model = reader.Decode(mapped.Slice(0, (int)length));
            model.SourcePath = Path.GetFullPath(path);
            model.Own(mapped);
            model.Own(reader._external);
            return model;
        }
        catch
        {
            mapped.Dispose();
            throw;
        }
    }

    private static string? RealModelDirectory(string path)
    {
        var full = Path.GetFullPath(path);
        var real = RealPaths.Resolve(full);
        return real == full ? null : Path.GetDirectoryName(real);
    }

    public static Model Parse(ReadOnlyMemory<byte> bytes, string? baseDirectory, string name, ModelLoadOptions options)
    {
        if (bytes.Length == 0) ThrowHelper.ModelFormat($"{name} is empty (0 bytes); expected an ONNX model");
        if (Tflite.TfliteConverter.IsTflite(bytes.Span)) return Tflite.TfliteConverter.Convert(bytes.ToArray(), name);
        if (FormatSniffer.DescribeBytes(bytes, name) is { } what) ThrowHelper.ModelFormat(what);
        var reader = new OnnxReader(baseDirectory, name, options, null);
        var model = reader.Decode(bytes);
        model.Own(reader._external);
        return model;
    }

    private Model Decode(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            return DecodeCore(bytes);
        }
        catch (ModelFormatException e) when (e.Message.Any(BreaksLine))
        {
            // Names in messages come from the file: escape control characters so an error stays one line.
            throw new ModelFormatException(EscapeControlCharacters(e.Message), e);
        }
    }

    internal static bool BreaksLine(char c) => FileText.BreaksLine(c);

    /// <summary>Control and line-separator characters written as escapes (\n, \u2028), so a message stays one line.</summary>
    internal static string EscapeControlCharacters(string text) => FileText.Escape(text);

    private Model DecodeCore(ReadOnlyMemory<byte> bytes)
    {
        RawGraph? graph = null;
        var model = new Model(new Graph());
        var functions = new List<RawFunction>();
        var hasIrVersion = false;
        try
        {
            var r = new ProtoReader(bytes);
            while (r.TryReadTag(out var field, out var wt))
            {
                switch (field)
                {
                    case 1: r.Expect(wt, WireType.Varint); model.IrVersion = r.ReadInt64(); hasIrVersion = true; break;
                    case 2: r.Expect(wt, WireType.LengthDelimited); model.ProducerName = r.ReadString(); break;
                    case 3: r.Expect(wt, WireType.LengthDelimited); model.ProducerVersion = r.ReadString(); break;
                    case 4: r.Expect(wt, WireType.LengthDelimited); model.Domain = r.ReadString(); break;
                    case 5: r.Expect(wt, WireType.Varint); model.ModelVersion = r.ReadInt64(); break;
                    case 6: r.Expect(wt, WireType.LengthDelimited); model.DocString = r.ReadString(); break;
                    case 7: r.Expect(wt, WireType.LengthDelimited); graph = Enter(ref r, ReadGraph); break;
                    case 8: r.Expect(wt, WireType.LengthDelimited); model.OpsetImports.Add(ReadOpset(r.ReadMessage())); break;
                    case 14: r.Expect(wt, WireType.LengthDelimited); model.MetadataProps.Add(ReadEntry(r.ReadMessage())); break;
                    case 20: r.Expect(wt, WireType.LengthDelimited); model.TrainingInfo.Add(r.ReadBytes()); break;
                    case 25: r.Expect(wt, WireType.LengthDelimited); functions.Add(Enter(ref r, ReadFunction)); break;
                    case 26: r.Expect(wt, WireType.LengthDelimited); model.DeviceConfigurations.Add(r.ReadBytes()); break;
                    default: r.Skip(wt); break;
                }
            }
        }
        catch (ProtoFormatException e)
        {
            throw new ModelFormatException($"{_fileName} is not a valid ONNX model: {e.Message}");
        }
        if (!hasIrVersion || model.IrVersion <= 0)
            ThrowHelper.ModelFormat($"{_fileName} is not a valid ONNX model: ModelProto.ir_version is missing");
        if (graph is null)
            ThrowHelper.ModelFormat($"{_fileName} is not a valid ONNX model: ModelProto.graph is missing");

        model.Graph = new Linker(this).LinkGraph(graph, null, 0);
        foreach (var f in functions) model.Functions.Add(new Linker(this).LinkFunction(f));
        if (_options.ValidateGraph)
        {
            try
            {
                foreach (var g in model.Graph.AllGraphs()) g.TopologicalOrder();
            }
            catch (ModelFormatException e)
            {
                throw new ModelFormatException($"{_fileName}: {e.Message}", e);
            }
        }
        return model;
    }

    private delegate T MessageReader<T>(ProtoReader reader);

    /// <summary>Reads a nested message while bounding recursion depth.</summary>
    private T Enter<T>(ref ProtoReader r, MessageReader<T> read)
    {
        if (++_depth > _options.MaxMessageDepth)
            throw new ProtoFormatException($"messages nested deeper than {_options.MaxMessageDepth} levels (ModelLoadOptions.MaxMessageDepth) near byte {r.Offset}");
        try
        {
            return read(r.ReadMessage());
        }
        finally
        {
            _depth--;
        }
    }

    private static OpsetImport ReadOpset(ProtoReader r)
    {
        string domain = "";
        long version = 0;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited); domain = r.ReadString(); break;
                case 2: r.Expect(wt, WireType.Varint); version = r.ReadInt64(); break;
                default: r.Skip(wt); break;
            }
        }
        return new OpsetImport(domain, version);
    }

    private static KeyValuePair<string, string> ReadEntry(ProtoReader r)
    {
        string key = "", value = "";
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited); key = r.ReadString(); break;
                case 2: r.Expect(wt, WireType.LengthDelimited); value = r.ReadString(); break;
                default: r.Skip(wt); break;
            }
        }
        return new(key, value);
    }

    private RawGraph ReadGraph(ProtoReader r)
    {
        // Checked while parsing too (not only when linking), so a hostile nesting fails with this message before
        // the generic message-depth guard, which it would otherwise reach first at three messages per level.
        if (++_graphDepth > _options.MaxSubgraphDepth)
            ThrowHelper.ModelFormat($"{_fileName}: subgraphs are nested deeper than the limit of {_options.MaxSubgraphDepth} (ModelLoadOptions.MaxSubgraphDepth) near byte {r.Offset}");
        try
        {
            return ReadGraphFields(r);
        }
        finally
        {
            _graphDepth--;
        }
    }

    private RawGraph ReadGraphFields(ProtoReader r)
    {
        var g = new RawGraph();
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited); g.Nodes.Add(Enter(ref r, ReadNode)); break;
                case 2: r.Expect(wt, WireType.LengthDelimited); g.Name = r.ReadString(); break;
                case 5: r.Expect(wt, WireType.LengthDelimited); g.Initializers.Add(Enter(ref r, ReadTensor)); break;
                case 10: r.Expect(wt, WireType.LengthDelimited); g.DocString = r.ReadString(); break;
                case 11: r.Expect(wt, WireType.LengthDelimited); g.Inputs.Add(Enter(ref r, ReadValueInfo)); break;
                case 12: r.Expect(wt, WireType.LengthDelimited); g.Outputs.Add(Enter(ref r, ReadValueInfo)); break;
                case 13: r.Expect(wt, WireType.LengthDelimited); g.ValueInfo.Add(Enter(ref r, ReadValueInfo)); break;
                case 14: r.Expect(wt, WireType.LengthDelimited); g.QuantizationAnnotations.Add(ReadAnnotation(r.ReadMessage())); break;
                case 15: r.Expect(wt, WireType.LengthDelimited); g.SparseInitializers.Add(Enter(ref r, ReadSparseTensor)); break;
                case 16: r.Expect(wt, WireType.LengthDelimited); g.Metadata.Add(ReadEntry(r.ReadMessage())); break;
                default: r.Skip(wt); break;
            }
        }
        return g;
    }

    private static TensorAnnotation ReadAnnotation(ProtoReader r)
    {
        var name = "";
        var entries = new List<KeyValuePair<string, string>>();
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited); name = r.ReadString(); break;
                case 2: r.Expect(wt, WireType.LengthDelimited); entries.Add(ReadEntry(r.ReadMessage())); break;
                default: r.Skip(wt); break;
            }
        }
        return new TensorAnnotation(name, entries);
    }

    private RawNode ReadNode(ProtoReader r)
    {
        var n = new RawNode();
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited); n.Inputs.Add(r.ReadString()); break;
                case 2: r.Expect(wt, WireType.LengthDelimited); n.Outputs.Add(r.ReadString()); break;
                case 3: r.Expect(wt, WireType.LengthDelimited); n.Name = r.ReadString(); break;
                case 4: r.Expect(wt, WireType.LengthDelimited); n.OpType = r.ReadString(); break;
                case 5: r.Expect(wt, WireType.LengthDelimited); n.Attributes.Add(Enter(ref r, ReadAttribute)); break;
                case 6: r.Expect(wt, WireType.LengthDelimited); n.DocString = r.ReadString(); break;
                case 7: r.Expect(wt, WireType.LengthDelimited); n.Domain = r.ReadString(); break;
                case 8: r.Expect(wt, WireType.LengthDelimited); n.Overload = r.ReadString(); break;
                case 9: r.Expect(wt, WireType.LengthDelimited); n.Metadata.Add(ReadEntry(r.ReadMessage())); break;
                case 10: r.Expect(wt, WireType.LengthDelimited); n.DeviceConfigurations.Add(r.ReadBytes()); break;
                default: r.Skip(wt); break;
            }
        }
        return n;
    }

    private RawAttribute ReadAttribute(ProtoReader r)
    {
        var a = new RawAttribute();
        var kind = -1;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited); a.Name = r.ReadString(); break;
                case 2: r.Expect(wt, WireType.Fixed32); a.F = r.ReadFloat(); a.HasF = true; break;
                case 3: r.Expect(wt, WireType.Varint); a.I = r.ReadInt64(); a.HasI = true; break;
                case 4: r.Expect(wt, WireType.LengthDelimited); a.S = r.ReadBytes().ToArray(); a.HasS = true; break;
                case 5: r.Expect(wt, WireType.LengthDelimited); a.T = Enter(ref r, ReadTensor); break;
                case 6: r.Expect(wt, WireType.LengthDelimited); a.G = Enter(ref r, ReadGraph); break;
                case 7: r.ReadFloats(wt, a.Floats); break;
                case 8: r.ReadInt64s(wt, a.Ints); break;
                case 9: r.Expect(wt, WireType.LengthDelimited); a.Strings.Add(r.ReadBytes().ToArray()); break;
                case 10: r.Expect(wt, WireType.LengthDelimited); a.Tensors.Add(Enter(ref r, ReadTensor)); break;
                case 11: r.Expect(wt, WireType.LengthDelimited); a.Graphs.Add(Enter(ref r, ReadGraph)); break;
                case 13: r.Expect(wt, WireType.LengthDelimited); a.DocString = r.ReadString(); break;
                case 14: r.Expect(wt, WireType.LengthDelimited); a.Tp = Enter(ref r, ReadType); break;
                case 15: r.Expect(wt, WireType.LengthDelimited); a.TypeProtos.Add(Enter(ref r, ReadType)); break;
                case 20: r.Expect(wt, WireType.Varint); kind = r.ReadInt32(); break;
                case 21: r.Expect(wt, WireType.LengthDelimited); a.RefAttrName = r.ReadString(); break;
                case 22: r.Expect(wt, WireType.LengthDelimited); a.SparseTensor = Enter(ref r, ReadSparseTensor); break;
                case 23: r.Expect(wt, WireType.LengthDelimited); a.SparseTensors.Add(Enter(ref r, ReadSparseTensor)); break;
                default: r.Skip(wt); break;
            }
        }
        a.Kind = kind >= 0 ? (AttributeKind)kind : InferKind(a);
        if (!Enum.IsDefined(a.Kind)) throw new ProtoFormatException($"attribute '{a.Name}' has unknown type {kind}");
        return a;
    }

    /// <summary>IR 1 models may omit <c>type</c>; infer it from the field that is set, as the ONNX checker does.</summary>
    private static AttributeKind InferKind(RawAttribute a) =>
        a.HasF ? AttributeKind.Float : a.HasI ? AttributeKind.Int : a.HasS ? AttributeKind.String :
        a.T is not null ? AttributeKind.Tensor : a.G is not null ? AttributeKind.Graph :
        a.SparseTensor is not null ? AttributeKind.SparseTensor : a.Tp is not null ? AttributeKind.TypeProto :
        a.Floats.Count > 0 ? AttributeKind.Floats : a.Ints.Count > 0 ? AttributeKind.Ints :
        a.Strings.Count > 0 ? AttributeKind.Strings : a.Tensors.Count > 0 ? AttributeKind.Tensors :
        a.Graphs.Count > 0 ? AttributeKind.Graphs : a.SparseTensors.Count > 0 ? AttributeKind.SparseTensors :
        a.TypeProtos.Count > 0 ? AttributeKind.TypeProtos : AttributeKind.Undefined;

    private RawValueInfo ReadValueInfo(ProtoReader r)
    {
        var v = new RawValueInfo();
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited); v.Name = r.ReadString(); break;
                case 2: r.Expect(wt, WireType.LengthDelimited); v.Type = Enter(ref r, ReadType); break;
                case 3: r.Expect(wt, WireType.LengthDelimited); v.DocString = r.ReadString(); break;
                case 4: r.Expect(wt, WireType.LengthDelimited); v.Metadata.Add(ReadEntry(r.ReadMessage())); break;
                default: r.Skip(wt); break;
            }
        }
        return v;
    }

    private OnnxType ReadType(ProtoReader r)
    {
        OnnxType type = new EmptyType();
        string? denotation = null;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited); type = Enter(ref r, x => ReadTensorType(x, sparse: false)); break;
                case 4: r.Expect(wt, WireType.LengthDelimited); type = new SequenceType(Enter(ref r, ReadElementType)); break;
                case 5: r.Expect(wt, WireType.LengthDelimited); type = Enter(ref r, ReadMapType); break;
                case 6: r.Expect(wt, WireType.LengthDelimited); denotation = r.ReadString(); break;
                case 7: r.Expect(wt, WireType.LengthDelimited); type = ReadOpaqueType(r.ReadMessage()); break;
                case 8: r.Expect(wt, WireType.LengthDelimited); type = Enter(ref r, x => ReadTensorType(x, sparse: true)); break;
                case 9: r.Expect(wt, WireType.LengthDelimited); type = new OptionalType(Enter(ref r, ReadElementType)); break;
                default: r.Skip(wt); break;
            }
        }
        return denotation is null ? type : type with { Denotation = denotation };
    }

    /// <summary>Reads Sequence/Optional: a single <c>elem_type</c> TypeProto at field 1.</summary>
    private OnnxType? ReadElementType(ProtoReader r)
    {
        OnnxType? element = null;
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field == 1 && wt == WireType.LengthDelimited) element = Enter(ref r, ReadType);
            else r.Skip(wt);
        }
        return element;
    }

    private OnnxType ReadMapType(ProtoReader r)
    {
        var key = DataType.Undefined;
        OnnxType? value = null;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.Varint); key = (DataType)r.ReadInt32(); break;
                case 2: r.Expect(wt, WireType.LengthDelimited); value = Enter(ref r, ReadType); break;
                default: r.Skip(wt); break;
            }
        }
        return new MapType(key, value);
    }

    private static OnnxType ReadOpaqueType(ProtoReader r)
    {
        string domain = "", name = "";
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited); domain = r.ReadString(); break;
                case 2: r.Expect(wt, WireType.LengthDelimited); name = r.ReadString(); break;
                default: r.Skip(wt); break;
            }
        }
        return new OpaqueType(domain, name);
    }

    private OnnxType ReadTensorType(ProtoReader r, bool sparse)
    {
        var elem = DataType.Undefined;
        TensorShape? shape = null;
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.Varint); elem = (DataType)r.ReadInt32(); break;
                case 2: r.Expect(wt, WireType.LengthDelimited); shape = ReadShape(r.ReadMessage()); break;
                default: r.Skip(wt); break;
            }
        }
        return sparse ? new SparseTensorType(elem, shape) : new TensorType(elem, shape);
    }

    private static TensorShape ReadShape(ProtoReader r)
    {
        var dims = new List<Dim>();
        while (r.TryReadTag(out var field, out var wt))
        {
            if (field != 1 || wt != WireType.LengthDelimited)
            {
                r.Skip(wt);
                continue;
            }
            var d = r.ReadMessage();
            var dim = Dim.Unknown;
            string? denotation = null;
            while (d.TryReadTag(out var f, out var w))
            {
                switch (f)
                {
                    case 1: d.Expect(w, WireType.Varint); dim = Dim.Of(d.ReadInt64()); break;
                    case 2: d.Expect(w, WireType.LengthDelimited); dim = Dim.Symbolic(d.ReadString()); break;
                    case 3: d.Expect(w, WireType.LengthDelimited); denotation = d.ReadString(); break;
                    default: d.Skip(w); break;
                }
            }
            dims.Add(denotation is null ? dim : dim with { Denotation = denotation });
        }
        return new TensorShape(dims);
    }

    private SparseTensor ReadSparseTensor(ProtoReader r)
    {
        Tensor? values = null, indices = null;
        var dims = new List<long>();
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited); values = Enter(ref r, ReadTensor); break;
                case 2: r.Expect(wt, WireType.LengthDelimited); indices = Enter(ref r, ReadTensor); break;
                case 3: r.ReadInt64s(wt, dims); break;
                default: r.Skip(wt); break;
            }
        }
        if (values is null || indices is null) throw new ProtoFormatException("a SparseTensorProto lacks values or indices");
        foreach (var d in dims)
            if (d < 0) throw new ProtoFormatException($"sparse tensor '{values.Name}' has negative dim {d}");
        return new SparseTensor(values, indices, dims);
    }
}
