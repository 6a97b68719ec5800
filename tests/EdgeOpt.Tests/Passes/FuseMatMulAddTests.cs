using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.FusionHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class FuseMatMulAddTests
{
    private static readonly FuseMatMulAdd Pass = new();

    /// <summary>x[M,6] → MatMul(w[6,4]) → Add(bias of <paramref name="biasDims"/>) → y[M,4].</summary>
    private static Model MatMulAdd(long[] biasDims, Dim m, bool biasFirst = false, bool secondReader = false, bool rank3 = false, long opset = 13)
    {
        var b = new GraphBuilder("matmul_add", opset);
        Dim[] xDims = rank3 ? [2, m, 6] : [m, 6];
        var x = b.Input("x", DataType.Float, xDims);
        var product = b.Op("MatMul", [x, b.Initializer("w", Values(24, 0.5f), 6, 4)]);
        var bias = b.Initializer("bias", Values((int)biasDims.Aggregate(1L, (p, d) => p * d), 0.5f, 0f, 3), biasDims);
        var y = b.Op("Add", biasFirst ? [bias, product] : [product, bias]);
        b.Output(y, "y", Float([.. xDims[..^1], 4]));
        if (secondReader) b.Output(b.Op("Relu", [product]), "z", Float([.. xDims[..^1], 4]));
        return b.Build();
    }

    [Theory]
    [InlineData(new long[] { 4 }, false)]
    [InlineData(new long[] { 1, 4 }, true)]
    [InlineData(new long[] { 3, 4 }, false)]
    [InlineData(new long[] { 3, 1 }, true)]
    [InlineData(new long[0], false)]
    public void Turns_a_2d_matmul_and_bias_into_gemm(long[] biasDims, bool biasFirst)
    {
        using var model = MatMulAdd(biasDims, 3, biasFirst);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Gemm"], OpTypes(result));
        Assert.Equal("y", result.Graph.Nodes[0].Outputs[0].Name);
        AssertEquivalent(model, result);
    }

    [Fact]
    public void Accepts_a_symbolic_batch()
    {
        using var model = MatMulAdd([1, 4], Dim.Symbolic("M"));

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        AssertEquivalent(model, result, dims: new Dictionary<string, long> { ["M"] = 5 });
    }

    [Fact]
    public void Infers_shapes_a_model_does_not_declare()
    {
        // The MatMul reads a Relu output that carries no type: the pass infers shapes to learn it is 2-D.
        var b = new GraphBuilder("matmul_add_untyped", 13);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("M"), 6);
        var product = b.Op("MatMul", [b.Op("Relu", [x]), b.Initializer("w", Values(24, 0.5f), 6, 4)]);
        b.Output(b.Op("Add", [product, b.Initializer("bias", Values(4, 0.5f), 4)]), "y", Float(Dim.Symbolic("M"), 4));
        using var model = b.Build();

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Relu", "Gemm"], OpTypes(result));
        AssertEquivalent(model, result, dims: new Dictionary<string, long> { ["M"] = 3 });
    }

    [Fact]
    public void Leaves_a_rank_3_matmul_alone() => AssertUnchanged(Pass, MatMulAdd([4], 3, rank3: true));

    [Theory]
    [InlineData(new long[] { 2, 3, 4 })] // widens the result to rank 3
    [InlineData(new long[] { 5, 4 })]    // does not match M
    public void Leaves_a_bias_that_changes_the_shape_alone(long[] biasDims) =>
        AssertUnchanged(Pass, MatMulAdd(biasDims, biasDims.Length == 3 ? 3 : Dim.Symbolic("M")));

    [Fact]
    public void Leaves_a_product_with_another_reader_alone() => AssertUnchanged(Pass, MatMulAdd([4], 3, secondReader: true));
}
