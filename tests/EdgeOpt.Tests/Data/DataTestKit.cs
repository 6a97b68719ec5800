using System.Runtime.InteropServices;
using System.Text;
using EdgeOpt.Onnx;
using SkiaSharp;

namespace EdgeOpt.Tests.Data;

/// <summary>Small models with a chosen input, and writers for the files the data sources read.</summary>
internal static class DataTestKit
{
    /// <summary>A one-node model (Identity) whose single input has the given shape.</summary>
    public static Model Model(DataType type, params Dim[] shape)
    {
        var b = new GraphBuilder("data_probe", 17);
        var x = b.Input("x", type, shape);
        b.Output(b.Op("Identity", [x]), "y");
        return b.Build();
    }

    /// <summary>A model with two float inputs <c>a</c> [N,2] and <c>b</c> [N,3].</summary>
    public static Model TwoInputModel()
    {
        var b = new GraphBuilder("two_inputs", 17);
        var a = b.Input("a", DataType.Float, Dim.Symbolic("N"), 2);
        var c = b.Input("b", DataType.Float, Dim.Symbolic("N"), 3);
        b.Output(b.Op("Identity", [a]), "ya");
        b.Output(b.Op("Identity", [c]), "yb");
        return b.Build();
    }

    /// <summary>Writes an .npy by hand (format 1.0): magic, version, header length, padded dict, then the payload.</summary>
    public static void WriteNpy(string path, string descr, long[] shape, ReadOnlySpan<byte> payload, bool fortran = false) =>
        File.WriteAllBytes(path, NpyBytes(descr, shape, payload, fortran));

    public static byte[] NpyBytes(string descr, long[] shape, ReadOnlySpan<byte> payload, bool fortran = false)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': ({dims}), }}";
        var total = 10 + dict.Length + 1;
        dict = dict.PadRight(dict.Length + ((64 - (total % 64)) % 64)) + "\n";
        var header = new List<byte>([0x93, .. "NUMPY"u8, 1, 0, (byte)(dict.Length & 0xff), (byte)(dict.Length >> 8)]);
        header.AddRange(Encoding.ASCII.GetBytes(dict));
        return [.. header, .. payload];
    }

    public static void WriteNpy(string path, float[] values, params long[] shape) =>
        WriteNpy(path, "<f4", shape, MemoryMarshal.AsBytes(values.AsSpan()));

    public static float[] Ramp(int count, float start = 0) => [.. Enumerable.Range(0, count).Select(i => start + (i * 0.25f))];

    /// <summary>A solid-colour image file; Gray8 bitmaps make a grayscale PNG/JPEG.</summary>
    public static void WriteSolid(string path, SKColor color, int width, int height, SKEncodedImageFormat format, bool gray = false)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, gray ? SKAlphaType.Opaque : SKAlphaType.Premul));
        bitmap.Erase(color);
        WriteBitmap(path, bitmap, format);
    }

    public static void WriteBitmap(string path, SKBitmap bitmap, SKEncodedImageFormat format)
    {
        using var data = bitmap.Encode(format, 95);
        File.WriteAllBytes(path, data.ToArray());
    }
}
