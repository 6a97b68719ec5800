using EdgeOpt.Onnx;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Conformance;

public class OrtTensorsTests
{
    public static TheoryData<DataType> OrtTypes()
    {
        var data = new TheoryData<DataType>();
        foreach (var t in Enum.GetValues<DataType>())
            if (OrtTensors.IsSupported(t)) data.Add(t);
        return data;
    }

    [Theory]
    [MemberData(nameof(OrtTypes))]
    public void Tensor_to_OrtValue_and_back_is_bitwise_exact(DataType type)
    {
        long[] dims = [2, 3, 5];
        Tensor tensor;
        if (type == DataType.String)
        {
            tensor = Tensor.FromStrings("s", dims, Enumerable.Range(0, 30).Select(i => i == 0 ? "" : $"é{i}"));
        }
        else
        {
            var bytes = new byte[type.StorageBytes(30)];
            new Random(42).NextBytes(bytes);
            if (type == DataType.Bool) for (var i = 0; i < bytes.Length; i++) bytes[i] &= 1;
            tensor = Tensor.FromRaw("t", type, dims, bytes);
        }
        using var ort = OrtTensors.ToOrtValue(tensor);
        var back = OrtTensors.ToTensor(ort, tensor.Name);
        Assert.Equal(type, back.DataType);
        Assert.Equal(dims, back.Dims);
        Assert.Null(OutputComparer.Bitwise(OnnxDataValue.FromTensor(tensor), OnnxDataValue.FromTensor(back)));
    }

    [Fact]
    public void Covers_the_types_the_brief_names()
    {
        DataType[] required = [DataType.Float, DataType.Double, DataType.Float16, DataType.BFloat16, DataType.Int8, DataType.Int16,
            DataType.Int32, DataType.Int64, DataType.UInt8, DataType.UInt16, DataType.UInt32, DataType.UInt64, DataType.Bool,
            DataType.String];
        foreach (var t in required) Assert.True(OrtTensors.IsSupported(t), $"{t} should convert");
    }

    [Theory]
    [InlineData(DataType.Float8E4M3FN)]
    [InlineData(DataType.Float8E5M2)]
    [InlineData(DataType.Int4)]
    public void Types_the_CSharp_api_cannot_carry_are_refused_by_name(DataType type)
    {
        Assert.False(OrtTensors.IsSupported(type));
        var tensor = Tensor.FromRaw("f8", type, [2], new byte[type.StorageBytes(2)]);
        var e = Assert.Throws<UnsupportedOperatorException>(() => OrtTensors.ToOrtValue(tensor));
        Assert.Contains("'f8'", e.Message, StringComparison.Ordinal);
        Assert.Contains(type.OnnxName(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_and_scalar_tensors_convert()
    {
        using var empty = OrtTensors.ToOrtValue(Tensor.FromRaw("e", DataType.Float, [0, 4], ReadOnlyMemory<byte>.Empty));
        Assert.Equal([0L, 4L], OrtTensors.ToTensor(empty).Dims);
        using var scalar = OrtTensors.ToOrtValue(Tensor.Scalar("s", 7L));
        Assert.Equal([7L], OrtTensors.ToTensor(scalar).ToArray<long>());
        Assert.Empty(OrtTensors.ToTensor(scalar).Dims);
    }

    [Fact]
    public void Sequences_convert_both_ways()
    {
        var seq = OnnxDataValue.Sequence("seq", OnnxDataKind.Tensor,
            [OnnxDataValue.FromTensor(Tensor.Create("", [1f, 2f], 2)), OnnxDataValue.FromTensor(Tensor.Create("", [3f, 4f, 5f], 3))]);
        using var ort = OrtTensors.ToOrtValue(seq);
        var back = OrtTensors.ToDataValue(ort, "seq");
        Assert.Equal(OnnxDataKind.Sequence, back.Kind);
        Assert.Null(OutputComparer.Bitwise(seq, back));
    }

    [Fact]
    public void Unsupported_values_are_refused_by_name()
    {
        var complex = Tensor.FromRaw("c", DataType.Complex64, [1], new byte[8]);
        var e = Assert.Throws<UnsupportedOperatorException>(() => OrtTensors.ToOrtValue(complex));
        Assert.Contains("'c'", e.Message, StringComparison.Ordinal);
        var none = OnnxDataValue.Optional("maybe", OnnxDataKind.Tensor, null);
        Assert.Contains("'maybe'", Assert.Throws<UnsupportedOperatorException>(() => OrtTensors.ToOrtValue(none)).Message, StringComparison.Ordinal);
    }
}
