namespace EdgeOpt.Onnx;

/// <summary>ONNX tensor element types; values equal <c>TensorProto.DataType</c>.</summary>
public enum DataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
    Float8E5M2FNUZ = 20,
    UInt4 = 21,
    Int4 = 22,
    Float4E2M1 = 23,
    Float8E8M0 = 24,
    UInt2 = 25,
    Int2 = 26,
}

/// <summary>Sizes and names of <see cref="DataType"/> values.</summary>
public static class DataTypes
{
    /// <summary>Bits per element; 0 for strings and unknown types.</summary>
    public static int BitWidth(this DataType type) => type switch
    {
        DataType.Bool or DataType.UInt8 or DataType.Int8 => 8,
        DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ or DataType.Float8E5M2 or DataType.Float8E5M2FNUZ or DataType.Float8E8M0 => 8,
        DataType.UInt16 or DataType.Int16 or DataType.Float16 or DataType.BFloat16 => 16,
        DataType.Float or DataType.Int32 or DataType.UInt32 => 32,
        DataType.Double or DataType.Int64 or DataType.UInt64 or DataType.Complex64 => 64,
        DataType.Complex128 => 128,
        DataType.UInt4 or DataType.Int4 or DataType.Float4E2M1 => 4,
        DataType.UInt2 or DataType.Int2 => 2,
        _ => 0,
    };

    /// <summary>Whether the type has a fixed-size binary layout (everything but strings and Undefined).</summary>
    public static bool IsFixedSize(this DataType type) => type.BitWidth() > 0;

    /// <summary>Whether the type is a floating-point type (including the 8- and 4-bit floats).</summary>
    public static bool IsFloatingPoint(this DataType type) => type is DataType.Float or DataType.Double or DataType.Float16
        or DataType.BFloat16 or DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ or DataType.Float8E5M2
        or DataType.Float8E5M2FNUZ or DataType.Float4E2M1 or DataType.Float8E8M0;

    /// <summary>Bytes needed to store <paramref name="elements"/> packed elements (sub-byte types round up).</summary>
    public static long StorageBytes(this DataType type, long elements)
    {
        var bits = type.BitWidth();
        if (bits == 0) return 0;
        return checked((elements * bits + 7) / 8);
    }

    /// <summary>Lower-case ONNX spelling, e.g. <c>float</c>, <c>float16</c>, <c>int8</c>.</summary>
    public static string OnnxName(this DataType type) => type switch
    {
        DataType.Float => "float",
        DataType.Double => "double",
        DataType.Float16 => "float16",
        DataType.BFloat16 => "bfloat16",
        DataType.Float8E4M3FN => "float8e4m3fn",
        DataType.Float8E4M3FNUZ => "float8e4m3fnuz",
        DataType.Float8E5M2 => "float8e5m2",
        DataType.Float8E5M2FNUZ => "float8e5m2fnuz",
        DataType.Float8E8M0 => "float8e8m0",
        DataType.Float4E2M1 => "float4e2m1",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>Whether <paramref name="value"/> is a data type this build knows.</summary>
    public static bool IsDefined(int value) => value >= 0 && value <= (int)DataType.Int2;
}
