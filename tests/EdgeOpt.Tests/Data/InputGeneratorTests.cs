using EdgeOpt.Data;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Data;

/// <summary>The one input generator: the documented distribution per element type, sizes and reproducibility.</summary>
public sealed class InputGeneratorTests
{
    private const int Elements = 20_000;

    private static Model Inputs(params (string Name, DataType Type)[] inputs)
    {
        var b = new GraphBuilder(opset: 13);
        foreach (var (name, type) in inputs) b.Output(b.Op("Identity", [b.Input(name, type, 1, Elements)]), name + "_out");
        return b.Build();
    }

    [Theory]
    [InlineData(DataType.Float)]
    [InlineData(DataType.Double)]
    [InlineData(DataType.Float16)]
    [InlineData(DataType.BFloat16)]
    public void Floating_point_inputs_are_standard_normal(DataType type)
    {
        using var model = Inputs(("x", type));
        var values = InputGenerator.Random(model, seed: 3)["x"].ToSingleArray().Select(v => (double)v).ToArray();
        var mean = values.Average();
        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        // Standard error of the mean over 20,000 samples is 0.007; of the standard deviation about 0.005.
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(std, 0.97, 1.03);
        // About 68.3% of a normal lies within one standard deviation.
        Assert.InRange(values.Count(v => Math.Abs(v) < 1) / (double)values.Length, 0.66, 0.70);
    }

    [Fact]
    public void Bool_and_8_bit_integers_are_uniform_and_other_integers_zero()
    {
        using var model = Inputs(("b", DataType.Bool), ("u8", DataType.UInt8), ("i8", DataType.Int8), ("i16", DataType.Int16),
            ("i32", DataType.Int32), ("i64", DataType.Int64), ("u64", DataType.UInt64));
        var inputs = InputGenerator.Random(model, seed: 5);

        Assert.InRange(inputs["b"].ToArray<bool>().Count(v => v) / (double)Elements, 0.48, 0.52);
        var u8 = inputs["u8"].ToArray<byte>();
        Assert.Equal((byte)0, u8.Min());
        Assert.Equal((byte)255, u8.Max());
        Assert.InRange(u8.Average(v => (double)v), 125.5, 129.5);
        var i8 = inputs["i8"].ToArray<sbyte>();
        Assert.Equal(sbyte.MinValue, i8.Min());
        Assert.Equal(sbyte.MaxValue, i8.Max());
        Assert.InRange(i8.Average(v => (double)v), -2.5, 1.5);
        Assert.All(inputs["i16"].ToArray<short>(), v => Assert.Equal(0, v));
        Assert.All(inputs["i32"].ToArray<int>(), v => Assert.Equal(0, v));
        Assert.All(inputs["i64"].ToArray<long>(), v => Assert.Equal(0L, v));
        Assert.All(inputs["u64"].ToArray<ulong>(), v => Assert.Equal(0UL, v));
    }

    [Fact]
    public void Strings_are_empty_and_float8_is_all_zero_bits()
    {
        var b = new GraphBuilder(opset: 21);
        b.Output(b.Op("Identity", [b.Input("s", DataType.String, 2, 3)]), "s_out");
        b.Output(b.Op("Identity", [b.Input("f8", DataType.Float8E4M3FN, 4)]), "f8_out");
        using var model = b.Build();
        var inputs = InputGenerator.Random(model, seed: 0);
        Assert.Equal([2L, 3L], inputs["s"].Dims);
        Assert.All(inputs["s"].Strings, s => Assert.Empty(s));
        Assert.Equal(new byte[4], inputs["f8"].RawBytes.ToArray());
    }

    [Fact]
    public void The_same_seed_gives_the_same_inputs_and_free_dims_take_the_given_sizes()
    {
        var b = new GraphBuilder(opset: 13);
        b.Output(b.Op("Identity", [b.Input("x", DataType.Float, Dim.Symbolic("N"), 3, Dim.Symbolic("T"))]), "y");
        using var model = b.Build();
        var a = InputGenerator.Random(model, seed: 11, new Dictionary<string, long> { ["N"] = 2 });
        var again = InputGenerator.Random(model, seed: 11, new Dictionary<string, long> { ["N"] = 2 });
        var other = InputGenerator.Random(model, seed: 12, new Dictionary<string, long> { ["N"] = 2 });
        // N as given, T (not given) takes 1.
        Assert.Equal([2L, 3L, 1L], a["x"].Dims);
        Assert.Equal(a["x"].ToSingleArray(), again["x"].ToSingleArray());
        Assert.NotEqual(a["x"].ToSingleArray(), other["x"].ToSingleArray());
    }

    [Fact]
    public void An_input_without_a_known_rank_is_refused_naming_it()
    {
        var b = new GraphBuilder(opset: 13);
        b.Output(b.Op("Identity", [b.Input("x", new TensorType(DataType.Float, null))]), "y");
        using var model = b.Build();
        var e = Assert.Throws<UnsupportedOperatorException>(() => InputGenerator.Random(model, seed: 0));
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }
}
