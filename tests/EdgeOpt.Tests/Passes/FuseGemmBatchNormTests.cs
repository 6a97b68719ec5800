using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.FusionHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class FuseGemmBatchNormTests
{
    private static readonly FuseGemmBatchNorm Pass = new();
    private static readonly Dictionary<string, long> Batch = new() { ["N"] = 3 };

    /// <summary>x[N,6] → Gemm(6→5) → BatchNormalization → y[N,5].</summary>
    private static Model GemmBn(bool transB, long[]? cDims, float alpha = 1f, float beta = 1f, bool weightAsInput = false, long batch = 0)
    {
        var b = new GraphBuilder("gemm_bn", 13);
        Dim n = batch > 0 ? batch : Dim.Symbolic("N");
        var x = b.Input("x", DataType.Float, n, 6);
        long[] wDims = transB ? [5, 6] : [6, 5];
        var w = weightAsInput ? b.Input("w", DataType.Float, wDims[0], wDims[1]) : b.Initializer("fc.w", Values(30, 0.5f), wDims);
        Value?[] inputs = cDims is null ? [x, w] : [x, w, b.Initializer("fc.c", Values((int)cDims.Aggregate(1L, (p, d) => p * d), 0.3f, 0f, 7), cDims)];
        var gemm = b.Op("Gemm", inputs, ("transB", transB ? 1L : 0L), ("alpha", alpha), ("beta", beta));
        b.Output(b.Op("BatchNormalization", [gemm, .. BatchNormParameters(b, 5)]), "y", Float(n, 5));
        return b.Build();
    }

    [Theory]
    [InlineData(false, null, 1f, 1f)]
    [InlineData(true, new long[] { 5 }, 1f, 1f)]
    [InlineData(true, new long[] { 1, 5 }, 0.5f, 2f)]
    [InlineData(false, new long[0], 1.5f, 0.25f)]
    [InlineData(false, new long[] { 1 }, 1f, 3f)]
    public void Folds_batchnorm_into_gemm(bool transB, long[]? cDims, float alpha, float beta)
    {
        using var model = GemmBn(transB, cDims, alpha, beta);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Gemm"], OpTypes(result));
        Assert.Equal("y", result.Graph.Nodes[0].Outputs[0].Name);
        AssertEquivalent(model, result, dims: Batch);
    }

    [Theory]
    [InlineData(new long[] { 3, 5 })]
    [InlineData(new long[] { 3, 1 })]
    public void Folds_a_bias_with_rows_into_a_full_matrix(long[] cDims)
    {
        using var model = GemmBn(transB: true, cDims, beta: 0.5f, batch: 3);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal([3L, 5L], result.Graph.Nodes[0].Inputs[2]!.Initializer!.Dims);
        AssertEquivalent(model, result);
    }

    /// <summary>x[N,6] (or [N,5,6]) → MatMul(6→5) → BatchNormalization.</summary>
    private static Model MatMulBn(int rank)
    {
        var b = new GraphBuilder("matmul_bn", 13);
        Dim[] dims = rank == 2 ? [Dim.Symbolic("N"), 6] : [Dim.Symbolic("N"), 5, 6];
        var x = b.Input("x", DataType.Float, dims);
        var w = b.Initializer("fc.w", Values(30, 0.5f), 6, 5);
        var matmul = b.Op("MatMul", [x, w]);
        // At rank 3 BatchNormalization's axis 1 is the sequence axis: also length 5, so only the rank tells them apart.
        var bn = b.Op("BatchNormalization", [matmul, .. BatchNormParameters(b, 5)]);
        b.Output(bn, "y", Float([.. dims[..^1], 5]));
        return b.Build();
    }

    [Fact]
    public void Turns_matmul_and_batchnorm_into_one_gemm()
    {
        using var model = MatMulBn(rank: 2);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Gemm"], OpTypes(result));
        AssertEquivalent(model, result, dims: Batch);
    }

    [Fact]
    public void Leaves_a_rank_3_matmul_alone() => AssertUnchanged(Pass, MatMulBn(rank: 3));

    [Fact]
    public void Leaves_non_constant_weights_alone() => AssertUnchanged(Pass, GemmBn(transB: false, cDims: [5], weightAsInput: true));

    [Fact]
    public void Leaves_a_product_with_another_reader_alone()
    {
        var b = new GraphBuilder("gemm_bn_shared", 13);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 6);
        var gemm = b.Op("Gemm", [x, b.Initializer("fc.w", Values(30, 0.5f), 6, 5)]);
        b.Output(b.Op("BatchNormalization", [gemm, .. BatchNormParameters(b, 5)]), "y", Float(Dim.Symbolic("N"), 5));
        b.Output(b.Op("Relu", [gemm]), "z", Float(Dim.Symbolic("N"), 5));
        AssertUnchanged(Pass, b.Build());
    }
}
