using System.Buffers.Binary;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeOpt.Tests.Tflite;

/// <summary>One input or output of a TFLite model as the reference runtime sees it; -1 marks a dynamic dimension.</summary>
internal sealed record TfliteTensorInfo(string Name, string DType, int[] Shape);

/// <summary>The signature the reference runtime runs (a model without SignatureDefs gets "&lt;placeholder signature&gt;").</summary>
internal sealed record TfliteSignature(string Key, IReadOnlyList<TfliteTensorInfo> Inputs, IReadOnlyList<TfliteTensorInfo> Outputs);

/// <summary>
/// Google's own TFLite interpreter as the reference the TFLite converter is checked against: LiteRT.js 2.5.3 (its WASM
/// CPU build, XNNPACK kernels) run by Node.js through <see cref="Fixtures.TfliteReferenceScript"/>, one process per call
/// (about half a second, mostly Node and WASM start-up). Tensors travel as .npy files through a temporary folder.
/// </summary>
/// <remarks>
/// Data arrays hold the elements in C order and may be of any rank; their element type is the tensor's dtype: float,
/// double, Half, sbyte, byte, short, ushort, int, uint, long, ulong or bool. Stateful models (LSTM/SVDF with variable
/// tensors, the integer LSTM's intermediates), which LiteRT.js's model loader refuses, run as one call of a fresh
/// interpreter: their state starts at zero (see run.mjs). The interpreter validates more than TFLite Micro does (a
/// per-channel quantized_dimension outside a tensor's rank is refused). Dynamic dimensions run only at 1; outputs whose
/// shape depends on input values (TRANSPOSE_CONV with a computed output_shape) come back unwritten, so such models are
/// no reference.
/// </remarks>
internal static partial class TfliteReference
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    // .NET element type, NumPy descr, bytes per element (Marshal.SizeOf would say 4 for bool).
    private static readonly (Type Type, string Descr, int Size)[] Types =
    [
        (typeof(float), "<f4", 4), (typeof(double), "<f8", 8), (typeof(Half), "<f2", 2), (typeof(sbyte), "|i1", 1),
        (typeof(byte), "|u1", 1), (typeof(short), "<i2", 2), (typeof(ushort), "<u2", 2), (typeof(int), "<i4", 4),
        (typeof(uint), "<u4", 4), (typeof(long), "<i8", 8), (typeof(ulong), "<u8", 8), (typeof(bool), "|b1", 1),
    ];

    /// <summary>
    /// Runs <paramref name="modelPath"/> on <paramref name="inputs"/>, given in the order of
    /// <see cref="Describe"/>'s inputs; returns every output in the model's order, its data a flat array.
    /// </summary>
    /// <exception cref="InvalidOperationException">The runner failed (its one-line message: a dtype or shape mismatch, an op LiteRT lacks).</exception>
    public static IReadOnlyList<(string Name, int[] Shape, Array Data)> Run(string modelPath, params (int[] Shape, Array Data)[] inputs)
    {
        using var temp = new TempDir();
        var arguments = new List<string> { Path.GetFullPath(modelPath), temp.File("out") };
        for (var i = 0; i < inputs.Length; i++)
        {
            var file = temp.File($"input_{i}.npy");
            WriteNpy(file, inputs[i].Shape, inputs[i].Data);
            arguments.Add(file);
        }
        Node(arguments);

        using var listing = JsonDocument.Parse(File.ReadAllBytes(temp.File(Path.Combine("out", "outputs.json"))));
        return listing.RootElement.GetProperty("outputs").EnumerateArray().Select(output =>
        {
            var (shape, data) = ReadNpy(temp.File(Path.Combine("out", output.GetProperty("file").GetString()!)));
            return (output.GetProperty("name").GetString()!, shape, data);
        }).ToList();
    }

    /// <summary>The inputs and outputs LiteRT sees in <paramref name="modelPath"/>, in the order <see cref="Run"/> uses.</summary>
    public static TfliteSignature Describe(string modelPath)
    {
        using var json = JsonDocument.Parse(Node([Path.GetFullPath(modelPath), "--describe"]));
        static List<TfliteTensorInfo> Tensors(JsonElement list) => list.EnumerateArray().Select(t => new TfliteTensorInfo(
            t.GetProperty("name").GetString()!, t.GetProperty("dtype").GetString()!,
            [.. t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32())])).ToList();
        var root = json.RootElement;
        return new TfliteSignature(root.GetProperty("signature").GetString()!, Tensors(root.GetProperty("inputs")), Tensors(root.GetProperty("outputs")));
    }

    /// <summary>Runs the script with <paramref name="arguments"/>; returns its stdout.</summary>
    private static string Node(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Fixtures.TfliteReferenceScript);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("cannot start node");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("node (Node.js 20 or later) is not on PATH; the TFLite reference runs in it", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"the TFLite reference did not finish within {Timeout.TotalMinutes} minutes");
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"the TFLite reference failed (exit {process.ExitCode}): {stderr.Result.Trim()}");
            return stdout.Result;
        }
    }

    private static void WriteNpy(string path, int[] shape, Array data)
    {
        var elementType = data.GetType().GetElementType()!;
        var descr = Types.FirstOrDefault(t => t.Type == elementType).Descr
            ?? throw new ArgumentException($"{elementType.Name} arrays cannot be fed to a TFLite model", nameof(data));
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (count != data.LongLength) throw new ArgumentException($"shape [{string.Join(",", shape)}] holds {count} elements, the data {data.LongLength}", nameof(data));

        var dims = shape.Select(d => d.ToString(CultureInfo.InvariantCulture)).ToList();
        var shapeText = dims.Count == 1 ? $"({dims[0]},)" : $"({string.Join(", ", dims)})";
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        header = header.PadRight(((header.Length + 11 + 63) / 64 * 64) - 11) + "\n"; // data on a 64-byte boundary, as NumPy pads

        using var stream = File.Create(path);
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)header.Length));
        stream.Write(length);
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(RawBytes(data));
    }

    private static (int[] Shape, Array Data) ReadNpy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var major = bytes[6];
        var (headerLength, start) = major == 1 ? (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)), 10) : ((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)), 12);
        var header = Encoding.Latin1.GetString(bytes, start, headerLength);
        var descr = DescrPattern().Match(header).Groups[1].Value;
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        var (elementType, _, size) = Types.FirstOrDefault(t => t.Descr == descr);
        if (elementType is null) throw new InvalidDataException($"{path}: unexpected dtype '{descr}'");
        var payload = bytes.AsSpan(start + headerLength);
        var data = Array.CreateInstance(elementType, payload.Length / size);
        if (data.Length != shape.Aggregate(1L, (a, b) => a * b)) throw new InvalidDataException($"{path}: {payload.Length} bytes for shape [{string.Join(",", shape)}]");
        if (data is Half[] halves) payload.CopyTo(MemoryMarshal.AsBytes(halves.AsSpan()));
        else Buffer.BlockCopy(bytes, start + headerLength, data, 0, payload.Length);
        return (shape, data);
    }

    private static byte[] RawBytes(Array data)
    {
        // Buffer.BlockCopy takes primitive arrays of any rank, not Half (a struct): those go through MemoryMarshal.
        if (data is Half[] halves) return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
        if (data.GetType().GetElementType() == typeof(Half)) throw new ArgumentException("Half data must be a one-dimensional array", nameof(data));
        var bytes = new byte[Buffer.ByteLength(data)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
