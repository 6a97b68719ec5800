using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Runtime;

/// <summary>
/// Converts between our <see cref="Tensor"/>/<see cref="OnnxDataValue"/> and ONNX Runtime's <see cref="OrtValue"/>.
/// Bytes are copied as they are (ONNX and ORT share the little-endian layout), so a
/// round trip is bitwise exact for every element type ORT's C# API has: float, double, float16, bfloat16,
/// integers, bool and string. The caller disposes the returned <see cref="OrtValue"/>.
/// </summary>
/// <remarks>
/// The 8-bit floats and packed 4-bit integers are refused: ORT's C# API (1.31.1) stops its element types at
/// bfloat16 and cannot hand out their buffers, although the native runtime knows them.
/// </remarks>
public static class OrtTensors
{
    /// <summary>Whether ORT's C# value API can carry tensors of <paramref name="type"/>.</summary>
    public static bool IsSupported(DataType type) =>
        type is not (DataType.Undefined or DataType.Complex64 or DataType.Complex128)
        && (int)type < (int)TensorElementType.DataTypeMax;

    /// <summary>Copies a tensor into a new ORT-allocated tensor value.</summary>
    public static OrtValue ToOrtValue(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!IsSupported(tensor.DataType))
            ThrowHelper.Unsupported($"tensor '{tensor.Name}': ONNX Runtime's C# API cannot carry {tensor.DataType.OnnxName()} tensors (supported: float, double, float16, bfloat16, int8-int64, uint8-uint64, bool, string)");
        var shape = tensor.Dims.ToArray();
        if (tensor.DataType == DataType.String)
        {
            var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
            var values = tensor.Strings;
            for (var i = 0; i < values.Count; i++) strings.StringTensorSetElementAt(values[i].AsSpan(), i);
            return strings;
        }
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)tensor.DataType, shape);
        try
        {
            var target = value.GetTensorMutableRawData();
            if (target.Length != tensor.ByteLength)
                ThrowHelper.Unsupported($"tensor '{tensor.Name}': ONNX Runtime lays out {tensor.DataType.OnnxName()}[{string.Join(",", shape)}] in {target.Length} bytes, not {tensor.ByteLength}");
            tensor.RawBytes.CopyTo(target);
            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    /// <summary>Copies an ORT tensor value into an owned <see cref="Tensor"/> named <paramref name="name"/>.</summary>
    public static Tensor ToTensor(OrtValue value, string name = "")
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.IsTensor) ThrowHelper.Unsupported($"value '{name}' is an ORT {value.OnnxType}, not a tensor");
        var info = value.GetTensorTypeAndShape();
        var type = (DataType)(int)info.ElementDataType;
        if (!IsSupported(type)) ThrowHelper.Unsupported($"value '{name}': ORT element type {info.ElementDataType} cannot be read through ORT's C# API");
        var dims = info.Shape;
        if (type == DataType.String)
        {
            var count = checked((int)info.ElementCount);
            var strings = new byte[count][];
            for (var i = 0; i < count; i++) strings[i] = value.GetStringElementAsSpan(i).ToArray();
            return Tensor.FromStrings(name, dims, strings);
        }
        return Tensor.FromRaw(name, type, dims, value.GetTensorMutableRawData().ToArray());
    }

    /// <summary>Converts a tensor, sequence or optional. An empty optional has no ORT form; it is refused.</summary>
    public static OrtValue ToOrtValue(OnnxDataValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        switch (value.Kind)
        {
            case OnnxDataKind.Tensor:
                return ToOrtValue(value.Tensor!);
            case OnnxDataKind.Optional when value.HasValue:
                // ORT takes an optional's contents directly; optional-ness lives in the model's type.
                return ToOrtValue(value.Elements[0]);
            case OnnxDataKind.Optional:
                throw new UnsupportedOperatorException($"optional '{value.Name}' is empty; ONNX Runtime's API cannot build an empty optional (leave the input unfed instead)");
            case OnnxDataKind.Sequence:
                if (value.Elements.Count == 0)
                    ThrowHelper.Unsupported($"sequence '{value.Name}' is empty; ONNX Runtime's API cannot build an empty sequence");
                var items = new List<OrtValue>(value.Elements.Count);
                try
                {
                    foreach (var e in value.Elements) items.Add(ToOrtValue(e));
                    return OrtValue.CreateSequence(items);
                }
                finally
                {
                    // CreateSequence copies its elements, so ours are released either way.
                    foreach (var i in items) i.Dispose();
                }
            default:
                throw new UnsupportedOperatorException($"value '{value.Name}': {value.Kind} values are not supported");
        }
    }

    /// <summary>Converts an ORT output (tensor or sequence, nested) into an <see cref="OnnxDataValue"/>.</summary>
    public static OnnxDataValue ToDataValue(OrtValue value, string name = "")
    {
        ArgumentNullException.ThrowIfNull(value);
        switch (value.OnnxType)
        {
            case OnnxValueType.ONNX_TYPE_TENSOR:
                return OnnxDataValue.FromTensor(ToTensor(value, name));
            case OnnxValueType.ONNX_TYPE_SEQUENCE:
                var count = value.GetValueCount();
                var elements = new List<OnnxDataValue>(count);
                for (var i = 0; i < count; i++)
                {
                    using var item = value.GetValue(i, OrtAllocator.DefaultInstance);
                    elements.Add(ToDataValue(item));
                }
                var kind = elements.Count > 0 ? elements[0].Kind : OnnxDataKind.Tensor;
                return OnnxDataValue.Sequence(name, kind, elements);
            default:
                throw new UnsupportedOperatorException($"value '{name}': ORT {value.OnnxType} values are not supported");
        }
    }
}
