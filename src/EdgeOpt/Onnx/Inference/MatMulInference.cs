namespace EdgeOpt.Onnx.Inference;

/// <summary>MatMul (numpy semantics: 1-D promotion, batched broadcast), Gemm and the integer/quantized variants.</summary>
internal static class MatMulInference
{
    public static void MatMul(InferenceContext ctx) => InferMatMul(ctx, 0, 1, ctx.ElementType(0));

    public static void MatMulInteger(InferenceContext ctx) => InferMatMul(ctx, 0, 1, DataType.Int32);

    /// <summary>QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp): y_zero_point's type.</summary>
    public static void QLinearMatMul(InferenceContext ctx) => InferMatMul(ctx, 0, 3, ctx.ElementType(7));

    private static void InferMatMul(InferenceContext ctx, int ia, int ib, DataType type)
    {
        var a = ctx.Shape(ia);
        var b = ctx.Shape(ib);
        if (a.Rank == 0 || b.Rank == 0) throw new InferenceFailure("MatMul inputs must not be scalars");
        // A 1-D left operand is a row [1, K]; a 1-D right operand is a column [K, 1]; the added dim is dropped after.
        var left = a.Rank == 1 ? [Dim.Of(1), a[0]] : a.ToList();
        var right = b.Rank == 1 ? [b[0], Dim.Of(1)] : b.ToList();
        var k1 = left[^1];
        var k2 = right[^2];
        if (k1.Value is { } x && k2.Value is { } y && x != y)
            throw new InferenceFailure($"inner dims differ: {a} x {b}");
        var batch = DimMath.Broadcast([new TensorShape(left.Take(left.Count - 2)), new TensorShape(right.Take(right.Count - 2))]);
        var dims = batch.ToList();
        if (a.Rank != 1) dims.Add(left[^2]);
        if (b.Rank != 1) dims.Add(right[^1]);
        ctx.SetOutput(0, type, dims);
    }

    /// <summary>Gemm: A is [M, K] (or [K, M] with transA), B is [K, N] (or [N, K] with transB); C broadcasts to [M, N].</summary>
    public static void Gemm(InferenceContext ctx)
    {
        var a = ctx.Shape(0);
        var b = ctx.Shape(1);
        if (a.Rank != 2 || b.Rank != 2) throw new InferenceFailure($"Gemm needs 2-D inputs, got {a} and {b}");
        var m = ctx.Int("transA", 0) != 0 ? a[1] : a[0];
        var n = ctx.Int("transB", 0) != 0 ? b[0] : b[1];
        ctx.SetOutput(0, ctx.ElementType(0), [m, n]);
    }
}
