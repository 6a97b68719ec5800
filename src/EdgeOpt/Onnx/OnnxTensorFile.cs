using EdgeOpt.Onnx.Serialization;

namespace EdgeOpt.Onnx;

/// <summary>
/// Standalone serialized ONNX values, as the ONNX test suite stores inputs and outputs
/// (<c>test_data_set_N/input_0.pb</c>): a <c>TensorProto</c>, or a <c>SequenceProto</c>/<c>OptionalProto</c>
/// when the model's type says so. Saving is atomic.
/// </summary>
public static class OnnxTensorFile
{
    /// <summary>Loads a serialized <c>TensorProto</c>.</summary>
    public static Tensor Load(string path) => TensorProtoCodec.DecodeTensor(ReadFile(path), Path.GetFileName(path));

    /// <summary>Parses a serialized <c>TensorProto</c>; the tensor's payload may stay a view of <paramref name="bytes"/>.</summary>
    public static Tensor Parse(ReadOnlyMemory<byte> bytes) => TensorProtoCodec.DecodeTensor(bytes, "<memory>");

    /// <summary>Serializes a tensor as a <c>TensorProto</c> (payload in <c>raw_data</c>, strings in <c>string_data</c>).</summary>
    public static byte[] ToBytes(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return TensorProtoCodec.EncodeTensor(tensor);
    }

    /// <summary>Writes a tensor atomically (temporary sibling, then rename).</summary>
    public static void Save(Tensor tensor, string path) => AtomicFile.WriteAllBytes(path, ToBytes(tensor));

    /// <summary>
    /// Loads a value whose proto follows <paramref name="type"/> (e.g. a model input's type): <c>SequenceProto</c> for
    /// sequences, <c>OptionalProto</c> for optionals, <c>TensorProto</c> otherwise.
    /// </summary>
    public static OnnxDataValue LoadValue(string path, OnnxType? type = null) =>
        TensorProtoCodec.DecodeValue(ReadFile(path), type, Path.GetFileName(path));

    /// <summary>Parses a value whose proto follows <paramref name="type"/>; see <see cref="LoadValue"/>.</summary>
    public static OnnxDataValue ParseValue(ReadOnlyMemory<byte> bytes, OnnxType? type = null) =>
        TensorProtoCodec.DecodeValue(bytes, type, "<memory>");

    public static byte[] ToBytes(OnnxDataValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TensorProtoCodec.EncodeValue(value);
    }

    /// <summary>Writes a value atomically as the proto matching its kind.</summary>
    public static void SaveValue(OnnxDataValue value, string path) => AtomicFile.WriteAllBytes(path, ToBytes(value));

    private static byte[] ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) ThrowHelper.ModelFormat($"'{path}' is a directory, not a serialized ONNX tensor");
        if (!File.Exists(path)) ThrowHelper.ModelFormat($"tensor file '{path}' does not exist");
        var bytes = File.ReadAllBytes(path);
        if (FormatSniffer.Describe(bytes.AsSpan(0, Math.Min(64, bytes.Length)), Path.GetFileName(path)) is { } what)
            ThrowHelper.ModelFormat(what.Replace("not ONNX", "not a serialized ONNX tensor", StringComparison.Ordinal));
        return bytes;
    }
}
