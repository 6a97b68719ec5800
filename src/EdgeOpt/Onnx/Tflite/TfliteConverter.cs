using EdgeOpt.Onnx.Serialization;
using EdgeOpt.Onnx.Tflite.Internal;
using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Onnx.Tflite;

/// <summary>
/// Converts TensorFlow Lite models (.tflite, FlatBuffers with the <c>TFL3</c> identifier) to EdgeOpt's ONNX IR, so every
/// command accepts them. The file is validated before use (indices, offsets and sizes checked; one-line errors naming
/// the field), NHWC becomes NCHW with transposes only at the edges, quantized tensors become QuantizeLinear /
/// DequantizeLinear pairs, sparse and float16 weights become dense float32. The graph keeps the .tflite file's input
/// and output names, types and NHWC shapes, so the converted model takes the same inputs as the original.
/// <code>
/// using var model = TfliteConverter.Convert("face_detection_short_range.tflite");
/// model.Save("face_detection_short_range.onnx");
/// </code>
/// </summary>
public static class TfliteConverter
{
    /// <summary>Metadata key the converted model carries: which .tflite file it came from.</summary>
    public const string SourceMetadataKey = "edgeopt.converted_from";

    /// <summary>Whether the file starts like a TensorFlow Lite model (<c>TFL3</c> at byte 4).</summary>
    public static bool IsTflite(string path)
    {
        if (!File.Exists(path)) return false;
        Span<byte> head = stackalloc byte[8];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == 8 && TfliteReader.IsTflite(head);
    }

    /// <summary>Whether the bytes start like a TensorFlow Lite model.</summary>
    public static bool IsTflite(ReadOnlySpan<byte> head) => TfliteReader.IsTflite(head);

    /// <summary>Reads and converts a .tflite file.</summary>
    public static Model Convert(string path, TfliteConversionOptions? options = null)
    {
        if (Directory.Exists(path)) ThrowHelper.ModelFormat($"'{path}' is a directory, not a TensorFlow Lite model file");
        if (!File.Exists(path)) ThrowHelper.ModelFormat($"model file '{path}' does not exist");
        var length = FileLength.Of(path);
        if (length > int.MaxValue) ThrowHelper.ModelFormat($"'{path}' is {length} bytes; TFLite files over 2 GiB are not supported");
        var model = Convert(File.ReadAllBytes(path), Path.GetFileName(path), options);
        model.SourcePath = Path.GetFullPath(path);
        return model;
    }

    /// <summary>Converts a .tflite file's bytes; <paramref name="name"/> names it in errors.</summary>
    public static Model Convert(byte[] bytes, string name = "<memory>", TfliteConversionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        options ??= TfliteConversionOptions.Default;
        InvalidOptionsException.ThrowIfAny(options.Validate());
        if (bytes.Length == 0) ThrowHelper.ModelFormat($"{name} is empty (0 bytes); expected a TensorFlow Lite model");
        try
        {
            return ConvertCore(bytes, name, options);
        }
        // Tensor, operator and signature names come from the file: escaped, so an error stays one line.
        catch (ModelFormatException e) when (e.Message.Any(OnnxReader.BreaksLine))
        {
            throw new ModelFormatException(OnnxReader.EscapeControlCharacters(e.Message), e);
        }
        catch (UnsupportedOperatorException e) when (e.Message.Any(OnnxReader.BreaksLine))
        {
            throw new UnsupportedOperatorException(OnnxReader.EscapeControlCharacters(e.Message), e);
        }
    }

    private static Model ConvertCore(byte[] bytes, string name, TfliteConversionOptions options)
    {
        var tflite = TfliteReader.Read(bytes, name);
        var subgraph = tflite.Subgraphs[0];
        if (options.Signature is { } key)
        {
            var signature = tflite.Signatures.FirstOrDefault(s => s.Key == key)
                ?? ThrowHelper.Usage<TfliteSignature>($"{name} has no signature '{key}' (it has: {(tflite.Signatures.Count == 0 ? "none" : string.Join(", ", tflite.Signatures.Select(s => s.Key)))})");
            subgraph = tflite.Subgraphs[signature.Subgraph];
        }
        var converter = new TfliteGraphConverter(tflite, subgraph, options, name);
        var model = converter.Convert();
        model.DocString = $"Converted by EdgeOpt from the TensorFlow Lite model {name}" + (tflite.Description is { Length: > 0 } d ? $" ({d})" : "");
        model.MetadataProps.Add(new(SourceMetadataKey, $"tflite:{name}"));
        return model;
    }
}
