namespace EdgeOpt.Onnx.Serialization;

/// <summary>
/// Standalone value protos (test data <c>.pb</c> files): <c>TensorProto</c> through the model reader/writer's own
/// tensor code, plus <c>SequenceProto</c> and <c>OptionalProto</c> from onnx-data.proto. Maps and sparse tensors
/// are refused with a clear error; nothing in the ONNX test data needs them as standalone values.
/// </summary>
internal static class TensorProtoCodec
{
    // onnx-data.proto field numbers (SequenceProto / OptionalProto share them: 1 name, 2 elem_type, 3 tensor,
    // 4 sparse tensor, 5 sequence, 6 map, 7 optional).
    private const int NameField = 1, ElemTypeField = 2, TensorField = 3, SparseField = 4, SequenceField = 5, MapField = 6, OptionalField = 7;

    public static Tensor DecodeTensor(ReadOnlyMemory<byte> bytes, string source) => OnnxReader.DecodeTensor(bytes, source);

    public static byte[] EncodeTensor(Tensor tensor) => OnnxWriter.EncodeTensor(tensor).ToArray();

    /// <summary>Decodes the proto that <paramref name="type"/> calls for (TensorProto when the type is a tensor or unknown).</summary>
    public static OnnxDataValue DecodeValue(ReadOnlyMemory<byte> bytes, OnnxType? type, string source)
    {
        try
        {
            return type switch
            {
                SequenceType => ReadContainer(new ProtoReader(bytes), OnnxDataKind.Sequence, source, 0),
                OptionalType => ReadContainer(new ProtoReader(bytes), OnnxDataKind.Optional, source, 0),
                MapType => throw new UnsupportedOperatorException($"{source}: map values (MapProto) are not supported"),
                SparseTensorType => throw new UnsupportedOperatorException($"{source}: standalone sparse tensors are not supported"),
                _ => OnnxDataValue.FromTensor(DecodeTensor(bytes, source)),
            };
        }
        catch (ProtoFormatException e)
        {
            // Names in messages come from the file: escaped so an error stays one line.
            throw new ModelFormatException(FileText.Escape($"{source} is not a valid {(type is SequenceType ? "SequenceProto" : "OptionalProto")}: {e.Message}"));
        }
    }

    public static byte[] EncodeValue(OnnxDataValue value) => value.Kind == OnnxDataKind.Tensor
        ? EncodeTensor(value.Tensor!)
        : WriteContainer(value).ToArray();

    private static OnnxDataValue ReadContainer(ProtoReader r, OnnxDataKind kind, string source, int depth)
    {
        // Sequences of sequences nest; bound it like the model reader bounds messages.
        if (depth > ModelLoadOptions.Default.MaxMessageDepth)
            throw new ProtoFormatException($"values nested deeper than {ModelLoadOptions.Default.MaxMessageDepth} levels");
        var name = "";
        var elemType = OnnxDataKind.Undefined;
        var items = new List<OnnxDataValue>();
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case NameField: r.Expect(wt, WireType.LengthDelimited); name = r.ReadString(); break;
                case ElemTypeField: r.Expect(wt, WireType.Varint); elemType = (OnnxDataKind)r.ReadInt32(); break;
                case TensorField:
                    r.Expect(wt, WireType.LengthDelimited);
                    items.Add(OnnxDataValue.FromTensor(DecodeTensor(r.ReadBytes(), source)));
                    break;
                case SequenceField: r.Expect(wt, WireType.LengthDelimited); items.Add(ReadContainer(r.ReadMessage(), OnnxDataKind.Sequence, source, depth + 1)); break;
                case OptionalField: r.Expect(wt, WireType.LengthDelimited); items.Add(ReadContainer(r.ReadMessage(), OnnxDataKind.Optional, source, depth + 1)); break;
                case SparseField: throw new UnsupportedOperatorException($"{source}: sparse tensors inside a {kind} are not supported");
                case MapField: throw new UnsupportedOperatorException($"{source}: maps inside a {kind} are not supported");
                default: r.Skip(wt); break;
            }
        }
        if (!Enum.IsDefined(elemType)) throw new ProtoFormatException($"{kind} '{name}' has unknown elem_type {(int)elemType}");
        foreach (var item in items)
            if (item.Kind != elemType)
                throw new ProtoFormatException($"{kind} '{name}' declares elem_type {elemType} but holds a {item.Kind}");
        if (kind == OnnxDataKind.Optional)
        {
            if (items.Count > 1) throw new ProtoFormatException($"optional '{name}' holds {items.Count} values; at most one is allowed");
            return OnnxDataValue.Optional(name, elemType, items.Count == 0 ? null : items[0]);
        }
        return OnnxDataValue.Sequence(name, elemType, items);
    }

    private static ProtoWriter WriteContainer(OnnxDataValue value)
    {
        var w = new ProtoWriter();
        w.WriteStringIfAny(NameField, value.Name);
        w.WriteInt64(ElemTypeField, (long)value.ElementKind);
        foreach (var e in value.Elements)
        {
            switch (e.Kind)
            {
                case OnnxDataKind.Tensor: w.WriteMessage(TensorField, OnnxWriter.EncodeTensor(e.Tensor!)); break;
                case OnnxDataKind.Sequence: w.WriteMessage(SequenceField, WriteContainer(e)); break;
                case OnnxDataKind.Optional: w.WriteMessage(OptionalField, WriteContainer(e)); break;
                default: throw new UnsupportedOperatorException($"{value.Kind} '{value.Name}': {e.Kind} elements are not supported");
            }
        }
        return w;
    }
}
