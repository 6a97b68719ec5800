using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace EdgeOpt.Onnx;

/// <summary>Widening conversions from raw tensor bytes, used by analysis and folding.</summary>
internal static class ElementConverter
{
    public static float[] ToSingle(DataType type, ReadOnlySpan<byte> raw, int count, string name)
    {
        var result = new float[count];
        switch (type)
        {
            case DataType.Float: MemoryMarshal.Cast<byte, float>(raw)[..count].CopyTo(result); break;
            case DataType.Double: Convert(MemoryMarshal.Cast<byte, double>(raw), result, v => (float)v); break;
            case DataType.Float16: Convert(MemoryMarshal.Cast<byte, Half>(raw), result, v => (float)v); break;
            case DataType.BFloat16:
                for (var i = 0; i < count; i++)
                    result[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]) << 16);
                break;
            case DataType.Int8: Convert(MemoryMarshal.Cast<byte, sbyte>(raw), result, v => v); break;
            case DataType.UInt8: case DataType.Bool: Convert(raw, result, v => v); break;
            case DataType.Int16: Convert(MemoryMarshal.Cast<byte, short>(raw), result, v => v); break;
            case DataType.UInt16: Convert(MemoryMarshal.Cast<byte, ushort>(raw), result, v => v); break;
            case DataType.Int32: Convert(MemoryMarshal.Cast<byte, int>(raw), result, v => v); break;
            case DataType.UInt32: Convert(MemoryMarshal.Cast<byte, uint>(raw), result, v => v); break;
            case DataType.Int64: Convert(MemoryMarshal.Cast<byte, long>(raw), result, v => v); break;
            case DataType.UInt64: Convert(MemoryMarshal.Cast<byte, ulong>(raw), result, v => v); break;
            default: throw new UnsupportedOperatorException($"tensor '{name}': cannot convert {type.OnnxName()} to float");
        }
        return result;
    }

    public static long[] ToInt64(DataType type, ReadOnlySpan<byte> raw, int count, string name)
    {
        var result = new long[count];
        switch (type)
        {
            case DataType.Int64: MemoryMarshal.Cast<byte, long>(raw)[..count].CopyTo(result); break;
            case DataType.Int32: Convert(MemoryMarshal.Cast<byte, int>(raw), result, v => v); break;
            case DataType.Int16: Convert(MemoryMarshal.Cast<byte, short>(raw), result, v => v); break;
            case DataType.Int8: Convert(MemoryMarshal.Cast<byte, sbyte>(raw), result, v => v); break;
            case DataType.UInt8: case DataType.Bool: Convert(raw, result, v => v); break;
            case DataType.UInt16: Convert(MemoryMarshal.Cast<byte, ushort>(raw), result, v => v); break;
            case DataType.UInt32: Convert(MemoryMarshal.Cast<byte, uint>(raw), result, v => v); break;
            case DataType.UInt64: Convert(MemoryMarshal.Cast<byte, ulong>(raw), result, v => (long)v); break;
            default: throw new UnsupportedOperatorException($"tensor '{name}': cannot convert {type.OnnxName()} to int64");
        }
        return result;
    }

    private static void Convert<TIn, TOut>(ReadOnlySpan<TIn> source, TOut[] target, Func<TIn, TOut> f)
    {
        for (var i = 0; i < target.Length; i++) target[i] = f(source[i]);
    }
}
