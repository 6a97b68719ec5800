using System.Text;

namespace EdgeOpt.Onnx.Serialization;

/// <summary>Recognizes common non-ONNX files by their first bytes, so the error says what the file really is.</summary>
internal static class FormatSniffer
{
    public static string? Describe(ReadOnlySpan<byte> head, string fileName)
    {
        if (head.Length >= 8 && head.Slice(4, 4).SequenceEqual("TFL3"u8))
            return $"{fileName} is a TensorFlow Lite model (TFL3), not ONNX; convert it first (e.g. with tf2onnx: python -m tf2onnx.convert --tflite {fileName} --output model.onnx)";
        if (head.Length >= 4 && head[..4].SequenceEqual("PK\u0003\u0004"u8))
            return $"{fileName} is a zip archive (a PyTorch .pt/.pth checkpoint is one), not ONNX; it is never unpickled here — export ONNX with torch.onnx.export(model, example_input, \"model.onnx\")";
        if (head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5)
            return $"{fileName} is a Python pickle (a PyTorch .pt/.pth checkpoint), not ONNX; it is never unpickled here — export ONNX with torch.onnx.export(model, example_input, \"model.onnx\")";
        if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B)
            return $"{fileName} is gzip-compressed; decompress it first (gunzip)";
        var text = SkipWhitespace(head);
        if (text.Length > 0 && text[0] == (byte)'<')
        {
            var s = Encoding.ASCII.GetString(text[..Math.Min(text.Length, 64)]).ToLowerInvariant();
            if (s.StartsWith("<!doctype html", StringComparison.Ordinal) || s.StartsWith("<html", StringComparison.Ordinal) || s.StartsWith("<!--", StringComparison.Ordinal) || s.StartsWith("<head", StringComparison.Ordinal))
                return $"{fileName} is an HTML page, not ONNX (a failed download or a login page saved under the model's name?)";
            return $"{fileName} is an XML/HTML text file, not ONNX";
        }
        if (text.Length > 0 && text[0] == (byte)'{')
            return $"{fileName} is a JSON text file, not ONNX";
        if (head.Length >= 4 && head[..4].SequenceEqual("\u0089HDF"u8))
            return $"{fileName} is an HDF5 (Keras .h5) file, not ONNX; convert it with tf2onnx";
        return null;
    }

    private static ReadOnlySpan<byte> SkipWhitespace(ReadOnlySpan<byte> s)
    {
        if (s.Length >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) s = s[3..];
        var i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        return s[i..];
    }
}
