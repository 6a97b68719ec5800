using System.Text;

namespace EdgeOpt.Onnx.Serialization;

/// <summary>
/// Encodes the IR as ONNX protobuf. Field order follows field numbers, tensors are written as raw_data, and
/// payloads are streamed from where they live (mapped files, external data) without being copied.
/// </summary>
internal sealed class OnnxWriter
{
    private const long ProtobufLimit = int.MaxValue;
    private readonly ExternalPlan? _external;
    private readonly Func<Tensor, (string Location, long Offset)?>? _placer;
    private readonly bool _measure;

    private OnnxWriter(ExternalPlan? external, Func<Tensor, (string Location, long Offset)?>? placer = null, bool measure = false)
    {
        _external = external;
        _placer = placer;
        _measure = measure;
    }

    /// <summary>
    /// The exact length of <see cref="ToBytes"/>'s encoding (every tensor inline), computed by the same code in measuring
    /// mode: no payload is read or mapped, nothing is copied, and there is no 2 GiB limit.
    /// </summary>
    public static long SerializedSize(Model model) => new OnnxWriter(null, measure: true).WriteModel(model).Length;

    /// <summary>Streams the encoding with every tensor inline whatever its size (readers refuse over 2 GiB; tests count it).</summary>
    internal static void WriteInline(Model model, Stream destination) => new OnnxWriter(null).WriteModel(model).CopyTo(destination);

    /// <summary>
    /// Encodes the model with each initializer that <paramref name="placer"/> places written as an external data reference
    /// (location, offset, length) instead of inline bytes; writes no data files (the caller lays them out itself).
    /// </summary>
    internal static byte[] ToBytesWithExternalReferences(Model model, Func<Tensor, (string Location, long Offset)?> placer) =>
        new OnnxWriter(null, placer).WriteModel(model).ToArray();

    public static byte[] ToBytes(Model model)
    {
        var message = new OnnxWriter(null).WriteModel(model);
        if (message.Length > ProtobufLimit)
            ThrowHelper.Usage($"model is {message.Length} bytes, over the 2 GiB protobuf limit; save it to a file with external data");
        return message.ToArray();
    }

    /// <summary>Encodes one standalone <c>TensorProto</c> with its payload inline.</summary>
    internal static ProtoWriter EncodeTensor(Tensor tensor) => new OnnxWriter(null).WriteTensor(tensor, tensor.Name, external: false);

    public static void Save(Model model, string path, ModelSaveOptions options)
    {
        ThrowHelper.IfInvalid(options.Validate());
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) ThrowHelper.Usage($"output folder '{directory}' does not exist");
        // Checked up front: data files move before the model, so a late failure here would orphan them.
        if (Directory.Exists(full)) ThrowHelper.Usage($"cannot save the model to '{full}': it is a folder; expected a file path such as '{Path.Combine(full, "model.onnx")}'");

        var message = new OnnxWriter(null).WriteModel(model);
        var useExternal = options.ExternalData || message.Length > ProtobufLimit;
        ExternalPlan? plan = null;
        if (useExternal)
        {
            var threshold = options.ExternalData ? options.ExternalDataThreshold : Math.Min(options.ExternalDataThreshold, 1024);
            plan = new ExternalPlan(directory, options with { ExternalDataThreshold = threshold }, Path.GetFileName(full));
            message = new OnnxWriter(plan).WriteModel(model);
            if (message.Length > ProtobufLimit)
                ThrowHelper.Usage($"model graph is still {message.Length} bytes after moving tensors to external data; lower the external data threshold");
        }

        var temporaries = new List<(string Temp, string Final)>();
        try
        {
            plan?.WriteFiles(temporaries);
            using (var stream = PendingWrites.CreateFile(full, out var temp))
            {
                temporaries.Add((temp, full));
                message.CopyTo(stream);
            }
            // The model file moves last, so a reader never sees a model whose data files are missing; with data files,
            // another process saving the same model waits its turn, so the model and its data come from one writer.
            using var turn = temporaries.Count > 1 ? OutputLock.Acquire(full) : null;
            PendingWrites.Commit(temporaries.Select(t => t.Temp), () =>
            {
                foreach (var (t, f) in temporaries) File.Move(t, f, overwrite: true);
            });
        }
        catch (Exception e)
        {
            foreach (var (t, _) in temporaries) PendingWrites.Discard(t);
            // A full disk or a failing device: name the user's file, never the temp.
            if (e is IOException io)
                foreach (var (t, f) in temporaries)
                    if (io.Message.Contains(t, StringComparison.Ordinal))
                        throw new IOException($"cannot write '{f}': {io.Message.Replace(t, f, StringComparison.Ordinal)}", io);
            throw;
        }
    }

    private ProtoWriter NewWriter() => new(_measure);

    private ProtoWriter WriteModel(Model model)
    {
        var w = NewWriter();
        w.WriteInt64(1, model.IrVersion);
        w.WriteStringIfAny(2, model.ProducerName);
        w.WriteStringIfAny(3, model.ProducerVersion);
        w.WriteStringIfAny(4, model.Domain);
        if (model.ModelVersion != 0) w.WriteInt64(5, model.ModelVersion);
        w.WriteStringIfAny(6, model.DocString);
        w.WriteMessage(7, WriteGraph(model.Graph));
        foreach (var o in model.OpsetImports) w.WriteMessage(8, WriteOpset(o));
        foreach (var e in model.MetadataProps) w.WriteMessage(14, WriteEntry(e));
        foreach (var t in model.TrainingInfo) w.WriteBytes(20, t);
        foreach (var f in model.Functions) w.WriteMessage(25, WriteFunction(f));
        foreach (var c in model.DeviceConfigurations) w.WriteBytes(26, c);
        return w;
    }

    private ProtoWriter WriteOpset(OpsetImport o)
    {
        var w = NewWriter();
        w.WriteString(1, o.Domain);
        w.WriteInt64(2, o.Version);
        return w;
    }

    private ProtoWriter WriteEntry(KeyValuePair<string, string> e)
    {
        var w = NewWriter();
        w.WriteString(1, e.Key);
        w.WriteString(2, e.Value);
        return w;
    }

    private ProtoWriter WriteGraph(Graph g)
    {
        var w = NewWriter();
        foreach (var n in g.Nodes) w.WriteMessage(1, WriteNode(n));
        w.WriteStringIfAny(2, g.Name);
        foreach (var v in g.Initializers)
            if (v.Initializer is { } t) w.WriteMessage(5, WriteTensor(t, v.Name, external: true));
        w.WriteStringIfAny(10, g.DocString);
        foreach (var v in g.Inputs) w.WriteMessage(11, WriteValueInfo(v));
        foreach (var v in g.Outputs) w.WriteMessage(12, WriteValueInfo(v));
        var outputs = new HashSet<Value>(g.Outputs);
        foreach (var n in g.Nodes)
            foreach (var o in n.Outputs)
                if (o.Name.Length > 0 && (o.Type is not null || o.DocString is not null) && !outputs.Contains(o))
                    w.WriteMessage(13, WriteValueInfo(o));
        foreach (var a in g.QuantizationAnnotations) w.WriteMessage(14, WriteAnnotation(a));
        foreach (var v in g.Initializers)
            if (v.SparseInitializer is { } s) w.WriteMessage(15, WriteSparse(s, v.Name));
        foreach (var e in g.MetadataProps) w.WriteMessage(16, WriteEntry(e));
        return w;
    }

    private ProtoWriter WriteAnnotation(TensorAnnotation a)
    {
        var w = NewWriter();
        w.WriteString(1, a.TensorName);
        foreach (var e in a.QuantParameterTensorNames) w.WriteMessage(2, WriteEntry(e));
        return w;
    }

    private ProtoWriter WriteNode(Node n)
    {
        var w = NewWriter();
        foreach (var i in n.Inputs) w.WriteString(1, i?.Name ?? "");
        foreach (var o in n.Outputs) w.WriteString(2, o.Name);
        w.WriteStringIfAny(3, n.Name);
        w.WriteString(4, n.OpType);
        foreach (var a in n.Attributes) w.WriteMessage(5, WriteAttribute(a));
        w.WriteStringIfAny(6, n.DocString);
        w.WriteStringIfAny(7, n.Domain);
        w.WriteStringIfAny(8, n.Overload);
        foreach (var e in n.MetadataProps) w.WriteMessage(9, WriteEntry(e));
        foreach (var c in n.DeviceConfigurations) w.WriteBytes(10, c);
        return w;
    }

    private ProtoWriter WriteAttribute(OnnxAttribute a)
    {
        var w = NewWriter();
        w.WriteString(1, a.Name);
        if (a.RefAttributeName is null)
        {
            switch (a.Value)
            {
                case float f when a.Kind == AttributeKind.Float: w.WriteFloat(2, f); break;
                case long i when a.Kind == AttributeKind.Int: w.WriteInt64(3, i); break;
                case byte[] s when a.Kind == AttributeKind.String: w.WriteBytes(4, s); break;
                case Tensor t: w.WriteMessage(5, WriteTensor(t, t.Name, _external?.Options.ExternalDataIncludesAttributes == true)); break;
                case Graph g: w.WriteMessage(6, WriteGraph(g)); break;
                case float[] fs: foreach (var f in fs) w.WriteFloat(7, f); break;
                case long[] ls: foreach (var l in ls) w.WriteInt64(8, l); break;
                case byte[][] ss: foreach (var s in ss) w.WriteBytes(9, s); break;
                case Tensor[] ts: foreach (var t in ts) w.WriteMessage(10, WriteTensor(t, t.Name, external: false)); break;
                case Graph[] gs: foreach (var g in gs) w.WriteMessage(11, WriteGraph(g)); break;
                case OnnxType tp: w.WriteMessage(14, WriteType(tp)); break;
                case OnnxType[] tps: foreach (var tp in tps) w.WriteMessage(15, WriteType(tp)); break;
                case SparseTensor st: w.WriteMessage(22, WriteSparse(st, st.Name)); break;
                case SparseTensor[] sts: foreach (var st in sts) w.WriteMessage(23, WriteSparse(st, st.Name)); break;
                default: break;
            }
        }
        w.WriteStringIfAny(13, a.DocString);
        w.WriteInt64(20, (long)a.Kind);
        if (a.RefAttributeName is not null) w.WriteString(21, a.RefAttributeName);
        return w;
    }

    private ProtoWriter WriteValueInfo(Value v)
    {
        var w = NewWriter();
        w.WriteString(1, v.Name);
        if (v.Type is not null) w.WriteMessage(2, WriteType(v.Type));
        w.WriteStringIfAny(3, v.DocString);
        foreach (var e in v.MetadataProps) w.WriteMessage(4, WriteEntry(e));
        return w;
    }

    private ProtoWriter WriteType(OnnxType type)
    {
        var w = NewWriter();
        switch (type)
        {
            case TensorType t: w.WriteMessage(1, WriteTensorType(t.ElementType, t.Shape)); break;
            case SequenceType s: w.WriteMessage(4, WriteElement(s.ElementType)); break;
            case MapType m:
                var mw = NewWriter();
                mw.WriteInt64(1, (long)m.KeyType);
                if (m.ValueType is not null) mw.WriteMessage(2, WriteType(m.ValueType));
                w.WriteMessage(5, mw);
                break;
            case OpaqueType o:
                var ow = NewWriter();
                ow.WriteStringIfAny(1, o.Domain);
                ow.WriteStringIfAny(2, o.Name);
                w.WriteMessage(7, ow);
                break;
            case SparseTensorType st: w.WriteMessage(8, WriteTensorType(st.ElementType, st.Shape)); break;
            case OptionalType o: w.WriteMessage(9, WriteElement(o.ElementType)); break;
            default: break;
        }
        if (type.Denotation is not null) w.WriteString(6, type.Denotation);
        return w;
    }

    private ProtoWriter WriteElement(OnnxType? element)
    {
        var w = NewWriter();
        if (element is not null) w.WriteMessage(1, WriteType(element));
        return w;
    }

    private ProtoWriter WriteTensorType(DataType elem, TensorShape? shape)
    {
        var w = NewWriter();
        w.WriteInt64(1, (long)elem);
        if (shape is not null)
        {
            var sw = NewWriter();
            foreach (var d in shape)
            {
                var dw = NewWriter();
                if (d.Value is { } v) dw.WriteInt64(1, v);
                else if (d.Symbol is { } s) dw.WriteString(2, s);
                if (d.Denotation is not null) dw.WriteString(3, d.Denotation);
                sw.WriteMessage(1, dw);
            }
            w.WriteMessage(2, sw);
        }
        return w;
    }

    private ProtoWriter WriteSparse(SparseTensor s, string name)
    {
        var w = NewWriter();
        w.WriteMessage(1, WriteTensor(s.Values, name, external: false));
        w.WriteMessage(2, WriteTensor(s.Indices, s.Indices.Name, external: false));
        foreach (var d in s.Dims) w.WriteInt64(3, d);
        return w;
    }

    private ProtoWriter WriteTensor(Tensor t, string name, bool external)
    {
        var w = NewWriter();
        foreach (var d in t.Dims) w.WriteInt64(1, d);
        w.WriteInt64(2, (long)t.DataType);
        if (t.DataType == DataType.String)
            foreach (var s in t.Strings) w.WriteBytes(6, s);
        w.WriteStringIfAny(8, name);
        if (t.DataType != DataType.String)
        {
            var placed = !external ? null
                : _placer is not null ? _placer(t)
                : _external is not null && t.ByteLength >= _external.Options.ExternalDataThreshold ? _external.Place(t)
                : null;
            if (placed is var (location, offset))
            {
                w.WriteStringIfAny(12, t.DocString);
                w.WriteMessage(13, WriteEntry(new("location", location)));
                w.WriteMessage(13, WriteEntry(new("offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture))));
                w.WriteMessage(13, WriteEntry(new("length", t.ByteLength.ToString(System.Globalization.CultureInfo.InvariantCulture))));
                w.WriteInt64(14, 1);
                foreach (var e in t.MetadataProps) w.WriteMessage(16, WriteEntry(e));
                return w;
            }
            if (_measure) w.WriteLengthOnly(9, t.ByteLength);
            else w.WriteBytes(9, t.RawMemory);
        }
        w.WriteStringIfAny(12, t.DocString);
        foreach (var e in t.MetadataProps) w.WriteMessage(16, WriteEntry(e));
        return w;
    }

    private ProtoWriter WriteFunction(OnnxFunction f)
    {
        var w = NewWriter();
        w.WriteString(1, f.Name);
        foreach (var i in f.Body.Inputs) w.WriteString(4, i.Name);
        foreach (var o in f.Body.Outputs) w.WriteString(5, o.Name);
        foreach (var a in f.AttributeNames) w.WriteString(6, a);
        foreach (var n in f.Body.Nodes) w.WriteMessage(7, WriteNode(n));
        w.WriteStringIfAny(8, f.DocString);
        foreach (var o in f.OpsetImports) w.WriteMessage(9, WriteOpset(o));
        w.WriteStringIfAny(10, f.Domain);
        foreach (var a in f.AttributeDefaults) w.WriteMessage(11, WriteAttribute(a));
        foreach (var n in f.Body.Nodes)
            foreach (var o in n.Outputs)
                if (o.Name.Length > 0 && o.Type is not null) w.WriteMessage(12, WriteValueInfo(o));
        w.WriteStringIfAny(13, f.Overload);
        foreach (var e in f.MetadataProps) w.WriteMessage(14, WriteEntry(e));
        return w;
    }

    /// <summary>Assigns external tensors to files and offsets, then writes those files (to temporaries).</summary>
    private sealed class ExternalPlan(string directory, ModelSaveOptions options, string modelFileName)
    {
        private readonly List<(string Location, long Offset, Tensor Tensor)> _placed = [];
        private readonly Dictionary<string, long> _fileEnds = new(StringComparer.Ordinal);
        private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);

        public ModelSaveOptions Options { get; } = options;

        public (string Location, long Offset) Place(Tensor t)
        {
            string location;
            if (Options.ExternalDataFilePerTensor)
            {
                location = SafeFileName(t.Name);
                var suffix = 1;
                var stem = location;
                while (!_usedNames.Add(location)) location = $"{stem}_{suffix++}";
            }
            else
            {
                location = Options.ExternalDataLocation ?? modelFileName + ".data";
            }
            ValidateLocation(location);
            var end = _fileEnds.GetValueOrDefault(location);
            var align = Math.Max(1, Options.ExternalDataAlignment);
            var offset = (end + align - 1) / align * align;
            _fileEnds[location] = offset + t.ByteLength;
            _placed.Add((location, offset, t));
            return (location, offset);
        }

        private static void ValidateLocation(string location)
        {
            if (location.Length == 0 || Path.IsPathRooted(location) || location.Contains('\0') || location.Split('/', '\\').Any(s => s == ".."))
                ThrowHelper.Usage($"external data location '{location}' must be a plain relative file name inside the model's folder");
        }

        private static string SafeFileName(string name)
        {
            var sb = new StringBuilder(name.Length);
            foreach (var c in name) sb.Append(char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
            var s = sb.ToString().TrimStart('.');
            return s.Length == 0 ? "tensor" : s;
        }

        /// <summary>Writes each data file to a temporary sibling, recorded in <paramref name="temporaries"/> before it is created.</summary>
        public void WriteFiles(List<(string Temp, string Final)> temporaries)
        {
            var zeros = new byte[Math.Max(1, Options.ExternalDataAlignment)];
            foreach (var group in _placed.GroupBy(p => p.Location))
            {
                var final = Path.Combine(directory, group.Key);
                using var stream = PendingWrites.CreateFile(final, out var temp);
                temporaries.Add((temp, final));
                foreach (var (_, offset, tensor) in group.OrderBy(p => p.Offset))
                {
                    if (stream.Position < offset) stream.Write(zeros, 0, (int)(offset - stream.Position));
                    stream.Write(tensor.RawBytes);
                }
            }
        }
    }
}
