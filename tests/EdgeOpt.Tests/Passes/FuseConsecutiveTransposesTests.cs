using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;
using static EdgeOpt.Tests.Passes.FusionHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class FuseConsecutiveTransposesTests
{
    private static readonly FuseConsecutiveTransposes Pass = new();

    /// <summary>x[2,3,4,5] → (Relu?) → Transpose(p1) → Transpose(p2) → (Relu?) → y.</summary>
    private static Model Transposes(long[]? p1, long[]? p2, bool wrap = true, bool secondReader = false)
    {
        var b = new GraphBuilder("transposes", 13);
        var x = b.Input("x", DataType.Float, 2, 3, 4, 5);
        var start = wrap ? b.Op("Relu", [x]) : x;
        var t1 = p1 is null ? b.Op("Transpose", [start]) : b.Op("Transpose", [start], ("perm", p1));
        var t2 = p2 is null ? b.Op("Transpose", [t1]) : b.Op("Transpose", [t1], ("perm", p2));
        b.Output(wrap ? b.Op("Relu", [t2]) : t2, "y");
        if (secondReader) b.Output(t1, "t1");
        return b.Build();
    }

    private static void AssertExact(Model original, Model result)
    {
        var report = ModelEquivalence.Compare(original, result, samples: 2, seed: 3);
        Assert.NotEmpty(report.Outputs);
        Assert.Equal(0, report.MaxAbsError);
    }

    [Fact]
    public void Composes_two_perms_into_one()
    {
        using var model = Transposes([0, 2, 3, 1], [0, 2, 1, 3]);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Relu", "Transpose", "Relu"], OpTypes(result));
        Assert.Equal([0L, 3, 2, 1], result.Graph.Nodes[1].Attributes.GetInts("perm")!);
        AssertExact(model, result);
    }

    [Theory]
    [InlineData(new long[] { 0, 2, 3, 1 }, new long[] { 0, 3, 1, 2 })]
    [InlineData(null, null)]
    public void Removes_transposes_that_cancel(long[]? p1, long[]? p2)
    {
        using var model = Transposes(p1, p2);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Relu", "Relu"], OpTypes(result));
        AssertExact(model, result);
    }

    [Fact]
    public void Composes_a_missing_perm_as_reversed_axes()
    {
        using var model = Transposes(null, [1, 0, 2, 3]);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal([2L, 3, 1, 0], result.Graph.Nodes[1].Attributes.GetInts("perm")!);
        AssertExact(model, result);
    }

    [Fact]
    public void Keeps_an_identity_when_a_graph_input_cannot_take_the_output_name()
    {
        using var model = Transposes([1, 0, 2, 3], [1, 0, 2, 3], wrap: false);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Identity"], OpTypes(result));
        Assert.Equal("y", result.Graph.Outputs[0].Name);
        AssertExact(model, result);
    }

    [Fact]
    public void Leaves_an_intermediate_with_another_reader_alone() =>
        AssertUnchanged(Pass, Transposes([0, 2, 3, 1], [0, 2, 1, 3], secondReader: true));
}
