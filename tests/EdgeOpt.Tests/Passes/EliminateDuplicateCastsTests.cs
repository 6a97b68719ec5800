using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.EliminationHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class EliminateDuplicateCastsTests
{
    [Fact]
    public void Float_to_double_to_float_disappears()
    {
        using var original = Chain(DataType.Float, DataType.Double, DataType.Float);

        var (model, changed) = Apply(new EliminateDuplicateCasts(), original);

        Assert.True(changed);
        Assert.Equal(["Abs", "Neg"], OpTypes(model));
        AssertExactlyEquivalent(original, model);
    }

    [Fact]
    public void Int8_to_int32_to_float_becomes_one_cast()
    {
        using var original = Chain(DataType.Int8, DataType.Int32, DataType.Float);

        var (model, changed) = Apply(new EliminateDuplicateCasts(), original);

        Assert.True(changed);
        Assert.Equal(["Abs", "Cast", "Neg"], OpTypes(model));
        Assert.Equal((long)DataType.Float, model.Graph.Nodes[1].Attributes.GetInt("to", 0));
        Assert.Equal("x_abs", model.Graph.Nodes[1].Inputs[0]!.Name);
        AssertExactlyEquivalent(original, model);
    }

    [Theory]
    [InlineData(DataType.Float, DataType.Int32, DataType.Float)]   // truncation
    [InlineData(DataType.Float, DataType.Float16, DataType.Float)] // rounding
    [InlineData(DataType.Int32, DataType.Float, DataType.Int32)]   // large ints round
    public void A_lossy_first_cast_is_kept(DataType a, DataType b, DataType c)
    {
        using var model = Chain(a, b, c);

        Assert.False(new EliminateDuplicateCasts().Run(model, new PassContext()).Changed);
        Assert.Equal(["Abs", "Cast", "Cast", "Neg"], OpTypes(model));
    }

    [Fact]
    public void The_inner_cast_stays_while_someone_else_reads_it()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 4);
        var wide = b.Op("Cast", [x], ("to", (long)DataType.Double));
        b.Output(b.Op("Neg", [b.Op("Cast", [wide], ("to", (long)DataType.Float))]), "y", Float(4));
        b.Output(wide, "wide", new TensorType(DataType.Double, new TensorShape(4)));
        using var original = b.Build();

        var (model, changed) = Apply(new EliminateDuplicateCasts(), original);

        Assert.True(changed);
        Assert.Equal(["Cast", "Neg"], OpTypes(model));
        Assert.Equal("x", model.Graph.Nodes[1].Inputs[0]!.Name);
        AssertExactlyEquivalent(original, model);
    }

    /// <summary>x: a → Abs → Cast(b) → Cast(c) → Neg (Abs and Neg in the types they are defined for).</summary>
    private static Model Chain(DataType a, DataType b, DataType c)
    {
        var g = new GraphBuilder(opset: 17);
        var x = g.Input("x", a, 2, 8);
        var relu = g.AddNode("Abs", [x], outputNames: ["x_abs"]).Outputs[0];
        var first = g.Op("Cast", [relu], ("to", (long)b));
        var second = g.Op("Cast", [first], ("to", (long)c));
        g.Output(g.Op("Neg", [second]), "y", new TensorType(c, new TensorShape(2, 8)));
        return g.Build();
    }
}
