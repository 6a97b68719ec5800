namespace EdgeOpt.Onnx.Conversion;

/// <summary>Scalars of any numeric element type, for attribute values that become inputs (Clip min, Pad value).</summary>
internal static class TensorFactory
{
    public static Tensor Scalar(string name, DataType type, double value) => type switch
    {
        DataType.Float => Tensor.Scalar(name, (float)value),
        DataType.Double => Tensor.Scalar(name, value),
        DataType.Float16 => Tensor.Scalar(name, (Half)value),
        DataType.BFloat16 => Tensor.FromRaw(name, DataType.BFloat16, [],
            BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits((float)value) >> 16))),
        DataType.Int8 => Tensor.Scalar(name, (sbyte)value),
        DataType.UInt8 => Tensor.Scalar(name, (byte)value),
        DataType.Int16 => Tensor.Scalar(name, (short)value),
        DataType.UInt16 => Tensor.Scalar(name, (ushort)value),
        DataType.Int32 => Tensor.Scalar(name, (int)value),
        DataType.UInt32 => Tensor.Scalar(name, (uint)value),
        DataType.Int64 => Tensor.Scalar(name, (long)value),
        DataType.UInt64 => Tensor.Scalar(name, (ulong)value),
        DataType.Bool => Tensor.Scalar(name, value != 0),
        _ => throw new UnsupportedOperatorException($"cannot make a {type.OnnxName()} scalar for '{name}'"),
    };

    /// <summary>The single element of a one-element tensor as double.</summary>
    public static double SingleValue(Tensor t) => t.DataType switch
    {
        DataType.Double => t.ToArray<double>()[0],
        DataType.Float or DataType.Float16 or DataType.BFloat16 => t.ToSingleArray()[0],
        _ => t.ToInt64Array()[0],
    };
}
