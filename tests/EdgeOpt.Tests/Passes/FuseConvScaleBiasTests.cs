using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.FusionHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class FuseConvScaleBiasTests
{
    private static readonly FuseConvScaleBias Pass = new();
    private static readonly Dictionary<string, long> Batch = new() { ["N"] = 2 };

    /// <summary>x[N,4,5,5] → Conv(6 filters, 3x3, pad 1) → Op(constant of <paramref name="dims"/>) → y[N,6,5,5].</summary>
    private static Model ConvThen(string op, long[] dims, bool constantFirst = false, bool bias = true, long group = 1,
        bool operandAsInput = false, bool convIsOutput = false)
    {
        var b = new GraphBuilder("conv_affine", 13);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 4, 5, 5);
        var w = b.Initializer("conv.w", Values(6 * (int)(4 / group) * 9, 0.5f), 6, 4 / group, 3, 3);
        Value?[] inputs = bias ? [x, w, b.Initializer("conv.b", Values(6, 0.2f, 0f, 2), 6)] : [x, w];
        var conv = b.Op("Conv", inputs, ("pads", new long[] { 1, 1, 1, 1 }), ("group", group));
        var count = (int)dims.Aggregate(1L, (p, d) => p * d);
        var operand = operandAsInput
            ? b.Input("k", DataType.Float, dims.Select(d => (Dim)d).ToArray())
            : b.Initializer("k", Values(count, 0.5f, 1f, 4), dims);
        var y = b.Op(op, constantFirst ? [operand, conv] : [conv, operand]);
        b.Output(y, "y", Float(Dim.Symbolic("N"), 6, 5, 5));
        if (convIsOutput) b.Output(conv, "conv_out", Float(Dim.Symbolic("N"), 6, 5, 5));
        return b.Build();
    }

    [Theory]
    [InlineData("Mul", new long[] { 6, 1, 1 }, false, true)]
    [InlineData("Mul", new long[] { 1, 6, 1, 1 }, true, false)]
    [InlineData("Mul", new long[0], false, true)]
    [InlineData("Mul", new long[] { 1 }, true, true)]
    [InlineData("Add", new long[] { 6, 1, 1 }, false, false)]
    [InlineData("Add", new long[] { 1, 6, 1, 1 }, true, true)]
    [InlineData("Add", new long[0], false, true)]
    public void Folds_a_per_channel_constant_into_the_conv(string op, long[] dims, bool constantFirst, bool bias)
    {
        using var model = ConvThen(op, dims, constantFirst, bias);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Conv"], OpTypes(result));
        Assert.Equal("y", result.Graph.Nodes[0].Outputs[0].Name);
        Assert.DoesNotContain(result.Graph.Initializers, v => v.Name == "k");
        AssertEquivalent(model, result, dims: Batch);
    }

    [Fact]
    public void Folds_a_scale_into_a_group_conv() 
    {
        using var model = ConvThen("Mul", [6, 1, 1], group: 2);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        AssertEquivalent(model, result, dims: Batch);
    }

    [Fact]
    public void Folds_mul_then_add_in_one_run()
    {
        var b = new GraphBuilder("conv_mul_add", 13);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 4, 5, 5);
        var conv = b.Op("Conv", [x, b.Initializer("conv.w", Values(6 * 4 * 9, 0.5f), 6, 4, 3, 3)]);
        var scaled = b.Op("Mul", [conv, b.Initializer("s", Values(6, 0.5f, 1f, 5), 6, 1, 1)]);
        b.Output(b.Op("Add", [scaled, b.Initializer("a", Values(6, 0.5f, 0f, 6), 1, 6, 1, 1)]), "y", Float(Dim.Symbolic("N"), 6, 3, 3));
        using var model = b.Build();

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Conv"], OpTypes(result));
        AssertEquivalent(model, result, dims: Batch);
    }

    [Theory]
    [InlineData(new long[] { 6, 5, 5 })]     // varies over space, not only per channel
    [InlineData(new long[] { 1, 1, 6, 1, 1 })] // would widen the output's rank
    [InlineData(new long[] { 6 })]           // broadcasts along the last (width) axis
    public void Leaves_constants_that_are_not_per_channel_alone(long[] dims) => AssertUnchanged(Pass, ConvThen("Mul", dims));

    [Fact]
    public void Leaves_a_non_constant_operand_alone() => AssertUnchanged(Pass, ConvThen("Add", [6, 1, 1], operandAsInput: true));

    [Fact]
    public void Leaves_a_conv_output_that_is_a_graph_output_alone() => AssertUnchanged(Pass, ConvThen("Mul", [6, 1, 1], convIsOutput: true));
}
