using EdgeOpt.Onnx;
using static EdgeOpt.Tests.BadInput.ProtoEncoder;

namespace EdgeOpt.Tests.BadInput;

/// <summary>
/// ONNX messages (onnx.proto field numbers) assembled from <see cref="ProtoEncoder"/> fields. Nothing here
/// validates: the point is to write exactly the bytes a broken exporter or a hostile file would contain.
/// </summary>
internal static class OnnxMessages
{
    public const int GraphAttributeType = 5; // AttributeProto.AttributeType.GRAPH

    /// <summary>A ModelProto: ir_version 8, the graph, and one ai.onnx opset import.</summary>
    public static byte[] Model(byte[] graph, long opset = 17) => Concat(
        Int(1, 8),
        String(2, "edgeopt-bad-input-tests"),
        Bytes(7, graph),
        Message(8, String(1, ""), Int(2, opset)));

    /// <summary>A GraphProto's fields (without the enclosing tag).</summary>
    public static byte[] Graph(string name, IEnumerable<byte[]> nodes, IEnumerable<byte[]>? initializers = null,
        IEnumerable<byte[]>? inputs = null, IEnumerable<byte[]>? outputs = null) => Concat(
        Concat(nodes.Select(n => Bytes(1, n))),
        String(2, name),
        Concat((initializers ?? []).Select(t => Bytes(5, t))),
        Concat((inputs ?? []).Select(v => Bytes(11, v))),
        Concat((outputs ?? []).Select(v => Bytes(12, v))));

    public static byte[] Node(string opType, string[] inputs, string[] outputs, string name = "", params IEnumerable<byte[]> attributes) => Concat(
        Concat(inputs.Select(i => String(1, i))),
        Concat(outputs.Select(o => String(2, o))),
        name.Length > 0 ? String(3, name) : [],
        String(4, opType),
        Concat(attributes.Select(a => Bytes(5, a))));

    /// <summary>An AttributeProto holding a subgraph (If's then_branch / else_branch).</summary>
    public static byte[] GraphAttribute(string name, byte[] graph) => Concat(String(1, name), Bytes(6, graph), Int(20, GraphAttributeType));

    /// <summary>A ValueInfoProto for a dense tensor of known shape (no shape when <paramref name="dims"/> is null).</summary>
    public static byte[] TensorValue(string name, DataType type, params long[]? dims) => Concat(String(1, name), Bytes(2, TensorTypeProto(type, dims)));

    /// <summary>A ValueInfoProto with a TypeProto given as encoded bytes.</summary>
    public static byte[] Value(string name, byte[] typeProto) => Concat(String(1, name), Bytes(2, typeProto));

    public static byte[] TensorTypeProto(DataType type, long[]? dims) => Message(1,
        Int(1, (long)type),
        dims is null ? [] : Message(2, dims.Select(d => Message(1, Int(1, d)))));

    /// <summary>A TypeProto of sequence(sequence(...(float tensor))) nested <paramref name="depth"/> times.</summary>
    public static byte[] NestedSequenceType(int depth)
    {
        var type = TensorTypeProto(DataType.Float, null);
        for (var i = 0; i < depth; i++) type = Message(4, Bytes(1, type));
        return type;
    }

    /// <summary>A TensorProto with raw_data.</summary>
    public static byte[] Tensor(string name, DataType type, long[] dims, byte[] raw) => Concat(
        Concat(dims.Select(d => Int(1, d))),
        Int(2, (long)type),
        String(8, name),
        Bytes(9, raw));

    /// <summary>A TensorProto whose payload lives in an external file (data_location = EXTERNAL).</summary>
    public static byte[] ExternalTensor(string name, DataType type, long[] dims, params (string Key, string Value)[] entries) => Concat(
        Concat(dims.Select(d => Int(1, d))),
        Int(2, (long)type),
        String(8, name),
        Concat(entries.Select(e => Message(13, String(1, e.Key), String(2, e.Value)))),
        Int(14, 1));
}
