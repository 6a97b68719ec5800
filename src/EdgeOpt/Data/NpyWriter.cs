using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>
/// Writes a tensor as a NumPy <c>.npy</c> file (format 1.0, C order, little-endian, header padded to 64 bytes as NumPy
/// pads it): float32, int64, int32, uint8, int8 and bool, what <see cref="NpyFile"/> and the packages' runner read.
/// </summary>
internal static class NpyWriter
{
    /// <summary>NumPy's dtype string for <paramref name="type"/>, or null when this writer does not take it.</summary>
    public static string? Descr(DataType type) => type switch
    {
        DataType.Float => "<f4",
        DataType.Int64 => "<i8",
        DataType.Int32 => "<i4",
        DataType.UInt8 => "|u1",
        DataType.Int8 => "|i1",
        DataType.Bool => "|b1",
        _ => null,
    };

    public static void Write(string path, Tensor tensor)
    {
        var descr = Descr(tensor.DataType)
            ?? throw new UnsupportedOperatorException($"tensor '{tensor.Name}' is {tensor.DataType.OnnxName()}; .npy files are written for float32, int64, int32, uint8, int8 and bool");
        var dims = tensor.Dims.Select(d => d.ToString(CultureInfo.InvariantCulture)).ToList();
        var shape = dims.Count == 1 ? $"({dims[0]},)" : $"({string.Join(", ", dims)})";
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        var total = (header.Length + 11 + 63) / 64 * 64; // magic (6), version (2), length (2), header, '\n'
        header = header.PadRight(total - 11) + "\n";

        using var stream = File.Create(path);
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)header.Length));
        stream.Write(length);
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(tensor.RawBytes);
    }
}
