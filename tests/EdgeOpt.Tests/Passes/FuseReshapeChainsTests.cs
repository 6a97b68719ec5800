using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;
using static EdgeOpt.Tests.Passes.FusionHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class FuseReshapeChainsTests
{
    private static readonly FuseReshapeChains Pass = new();

    /// <summary>x[2,3,4] → Relu → Reshape(s1) → Reshape(s2) → y.</summary>
    private static Model Reshapes(long[] s1, long[]? s2, long allowZero = 0, bool secondReader = false, long opset = 14)
    {
        var b = new GraphBuilder("reshapes", opset);
        var x = b.Input("x", DataType.Float, 2, 3, 4);
        var r1 = b.Op("Reshape", [b.Op("Relu", [x]), b.Initializer("s1", s1, s1.Length)]);
        var shape2 = s2 is null ? b.Input("s2", DataType.Int64, 3) : b.Initializer("s2", s2, s2.Length);
        var r2 = allowZero != 0 ? b.Op("Reshape", [r1, shape2], ("allowzero", allowZero)) : b.Op("Reshape", [r1, shape2]);
        b.Output(r2, "y");
        if (secondReader) b.Output(r1, "r1");
        return b.Build();
    }

    private static void AssertExact(Model original, Model result)
    {
        var report = ModelEquivalence.Compare(original, result, samples: 2, seed: 3);
        Assert.NotEmpty(report.Outputs);
        Assert.Equal(0, report.MaxAbsError);
    }

    [Theory]
    [InlineData(new long[] { 6, 4 }, new long[] { 4, -1 })]
    [InlineData(new long[] { 2, 12 }, new long[] { 0, 3, 4 })]  // the 0 copies s1's 2: written out
    [InlineData(new long[] { 0, 12 }, new long[] { 0, 6, 2 })]  // both copy X's first dim: kept
    [InlineData(new long[] { 6, 4 }, new long[] { 0, -1 })]     // 0 → 6, then -1 infers 4
    public void Keeps_only_the_last_reshape(long[] s1, long[] s2)
    {
        using var model = Reshapes(s1, s2);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Relu", "Reshape"], OpTypes(result));
        Assert.DoesNotContain(result.Graph.Initializers, v => v.Name == "s1");
        AssertExact(model, result);
    }

    [Fact]
    public void Writes_out_a_copied_dim()
    {
        using var model = Reshapes([2, 12], [0, 3, 4]);

        var (result, _) = Apply(Pass, model);

        Assert.Equal([2L, 3, 4], result.Graph.Nodes[1].Inputs[1]!.Initializer!.ToInt64Array());
    }

    [Fact]
    public void Fuses_when_allowzero_makes_zeros_literal()
    {
        using var model = Reshapes([6, 4], null, allowZero: 1);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Relu", "Reshape"], OpTypes(result));
    }

    [Fact]
    public void Leaves_an_unresolvable_zero_alone() => AssertUnchanged(Pass, Reshapes([-1, 4], [0, 2, 2]));

    [Fact]
    public void Leaves_a_dynamic_shape_that_may_hold_zeros_alone() => AssertUnchanged(Pass, Reshapes([6, 4], null));

    [Fact]
    public void Leaves_an_intermediate_with_another_reader_alone() => AssertUnchanged(Pass, Reshapes([6, 4], [4, 6], secondReader: true));
}
