using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Conformance;

/// <summary>
/// Compares runtime values the way the ONNX backend test runner does (numpy <c>assert_allclose</c>:
/// |actual − expected| ≤ atol + rtol·|expected|, NaN equals NaN, dtypes and shapes must match, strings exactly),
/// and bitwise for original-versus-saved runs. Returns null when equal, else what differs.
/// </summary>
internal static class OutputComparer
{
    /// <summary>ONNX backend test defaults (onnx/backend/test/loader: rtol = 1e-3, atol = 1e-7 for model.onnx cases).</summary>
    public const double DefaultRtol = 1e-3, DefaultAtol = 1e-7;

    public static string? AllClose(OnnxDataValue expected, OnnxDataValue actual, double rtol = DefaultRtol, double atol = DefaultAtol)
    {
        // ORT hands an optional's contents over directly; unwrap the expected optional to match.
        if (expected.Kind == OnnxDataKind.Optional && actual.Kind != OnnxDataKind.Optional)
        {
            if (!expected.HasValue) return $"expected an empty optional, got a {actual.Kind}";
            expected = expected.Elements[0];
        }
        if (expected.Kind != actual.Kind) return $"expected a {expected.Kind}, got a {actual.Kind}";
        if (expected.Kind == OnnxDataKind.Tensor) return AllClose(expected.Tensor!, actual.Tensor!, rtol, atol);
        if (expected.Elements.Count != actual.Elements.Count)
            return $"{expected.Kind} has {actual.Elements.Count} elements, expected {expected.Elements.Count}";
        for (var i = 0; i < expected.Elements.Count; i++)
            if (AllClose(expected.Elements[i], actual.Elements[i], rtol, atol) is { } d) return $"element {i}: {d}";
        return null;
    }

    public static string? AllClose(Tensor expected, Tensor actual, double rtol, double atol)
    {
        if (expected.DataType != actual.DataType) return $"dtype {actual.DataType.OnnxName()}, expected {expected.DataType.OnnxName()}";
        if (!expected.Dims.SequenceEqual(actual.Dims)) return $"shape [{string.Join(",", actual.Dims)}], expected [{string.Join(",", expected.Dims)}]";
        if (expected.DataType == DataType.String)
        {
            for (var i = 0; i < expected.Strings.Count; i++)
                if (!expected.Strings[i].AsSpan().SequenceEqual(actual.Strings[i]))
                    return $"string element {i} is \"{Encoding.UTF8.GetString(actual.Strings[i])}\", expected \"{Encoding.UTF8.GetString(expected.Strings[i])}\"";
            return null;
        }
        var e = ToDoubles(expected);
        var a = ToDoubles(actual);
        var bad = 0;
        var worst = -1;
        var worstExcess = 0.0;
        for (var i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]) && double.IsNaN(a[i])) continue;
            if (e[i] == a[i]) continue; // also equal infinities
            var excess = Math.Abs(a[i] - e[i]) - (atol + rtol * Math.Abs(e[i]));
            if (excess <= 0) continue;
            if (bad++ == 0 || excess > worstExcess || double.IsNaN(excess)) { worst = i; worstExcess = excess; }
        }
        return bad == 0 ? null : string.Create(CultureInfo.InvariantCulture,
            $"{bad}/{e.Length} elements outside rtol={rtol:g},atol={atol:g}; worst at {worst}: got {a[worst]:g6}, expected {e[worst]:g6}");
    }

    /// <summary>Bitwise equality (payload bytes, strings, structure); null when identical.</summary>
    public static string? Bitwise(OnnxDataValue expected, OnnxDataValue actual)
    {
        if (expected.Kind != actual.Kind) return $"a {actual.Kind}, expected a {expected.Kind}";
        if (expected.Kind == OnnxDataKind.Tensor)
        {
            Tensor e = expected.Tensor!, a = actual.Tensor!;
            if (e.DataType != a.DataType || !e.Dims.SequenceEqual(a.Dims)) return $"{a}, expected {e}";
            if (e.DataType == DataType.String)
                return e.Strings.Select((s, i) => s.AsSpan().SequenceEqual(a.Strings[i])).All(x => x) ? null : "strings differ";
            return e.RawBytes.SequenceEqual(a.RawBytes) ? null : "payload bytes differ";
        }
        if (expected.Elements.Count != actual.Elements.Count) return $"{actual.Elements.Count} elements, expected {expected.Elements.Count}";
        for (var i = 0; i < expected.Elements.Count; i++)
            if (Bitwise(expected.Elements[i], actual.Elements[i]) is { } d) return $"element {i}: {d}";
        return null;
    }

    private static double[] ToDoubles(Tensor t)
    {
        var raw = t.RawBytes;
        var n = checked((int)t.ElementCount);
        var r = new double[n];
        switch (t.DataType)
        {
            case DataType.Double: MemoryMarshal.Cast<byte, double>(raw).CopyTo(r); break;
            case DataType.Float: Fill(MemoryMarshal.Cast<byte, float>(raw), r, v => v); break;
            case DataType.Float16: Fill(MemoryMarshal.Cast<byte, Half>(raw), r, v => (double)v); break;
            case DataType.BFloat16:
                for (var i = 0; i < n; i++) r[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]) << 16);
                break;
            case DataType.Int8: Fill(MemoryMarshal.Cast<byte, sbyte>(raw), r, v => v); break;
            case DataType.UInt8 or DataType.Bool: Fill(raw, r, v => v); break;
            case DataType.Int16: Fill(MemoryMarshal.Cast<byte, short>(raw), r, v => v); break;
            case DataType.UInt16: Fill(MemoryMarshal.Cast<byte, ushort>(raw), r, v => v); break;
            case DataType.Int32: Fill(MemoryMarshal.Cast<byte, int>(raw), r, v => v); break;
            case DataType.UInt32: Fill(MemoryMarshal.Cast<byte, uint>(raw), r, v => v); break;
            case DataType.Int64: Fill(MemoryMarshal.Cast<byte, long>(raw), r, v => v); break;
            case DataType.UInt64: Fill(MemoryMarshal.Cast<byte, ulong>(raw), r, v => v); break;
            default:
                // Other types (8-bit floats, packed 4-bit) compare by their bytes.
                for (var i = 0; i < Math.Min(n, raw.Length); i++) r[i] = raw[i];
                break;
        }
        return r;
    }

    private static void Fill<T>(ReadOnlySpan<T> source, double[] target, Func<T, double> f)
    {
        for (var i = 0; i < target.Length; i++) target[i] = f(source[i]);
    }
}
