using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Passes;

/// <summary>Small models built in code for the optimizer facade and the <c>optimize</c> command.</summary>
internal static class OptimizerTestModels
{
    /// <summary>
    /// x[N,3,8,8] → Identity → Conv(3x3, pad 1) → BatchNormalization → Relu → GlobalAveragePool → Squeeze(axes 2,3)
    /// → y[N,4], at opset 11 where Squeeze takes its axes as an attribute (an input from opset 13 on): something for
    /// every kind of pass (elimination, fusion) and for the opset converter.
    /// </summary>
    public static Model SmallCnn(long opset = 11)
    {
        var random = new Random(42);
        float[] Values(int count, float scale, float offset = 0) =>
            [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale + offset)];

        var b = new GraphBuilder("small_cnn", opset);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 3, 8, 8);
        var w = b.Initializer("conv.w", Values(4 * 3 * 3 * 3, 0.5f), 4, 3, 3, 3);
        var bias = b.Initializer("conv.b", Values(4, 0.1f), 4);
        var scale = b.Initializer("bn.scale", Values(4, 0.5f, 1f), 4);
        var shift = b.Initializer("bn.bias", Values(4, 0.2f), 4);
        var mean = b.Initializer("bn.mean", Values(4, 0.3f), 4);
        var variance = b.Initializer("bn.var", Values(4, 0.4f, 1f), 4);

        var id = b.Op("Identity", [x]);
        var conv = b.Op("Conv", [id, w, bias], ("pads", new long[] { 1, 1, 1, 1 }));
        var bn = b.Op("BatchNormalization", [conv, scale, shift, mean, variance], ("epsilon", 1e-5f));
        var relu = b.Op("Relu", [bn]);
        var pool = b.Op("GlobalAveragePool", [relu]);
        var squeezed = opset < 13
            ? b.Op("Squeeze", [pool], ("axes", new long[] { 2, 3 }))
            : b.Op("Squeeze", [pool, b.Initializer("squeeze.axes", new long[] { 2, 3 }, 2)]);
        b.Output(squeezed, "y", new TensorType(DataType.Float, new TensorShape(Dim.Symbolic("N"), 4)));
        return b.Build();
    }

    /// <summary>
    /// An opset 16 model whose node <c>warp</c> is a GridSample, an operator that does not exist before opset 16:
    /// converting it to an older opset must be refused, naming that node.
    /// </summary>
    public static Model GridSample()
    {
        var b = new GraphBuilder("grid_sample", opset: 16);
        var x = b.Input("x", DataType.Float, 1, 1, 4, 4);
        var grid = b.Input("grid", DataType.Float, 1, 4, 4, 2);
        var node = b.AddNode("GridSample", [x, grid], name: "warp");
        b.Output(node.Outputs[0], "y", new TensorType(DataType.Float, new TensorShape(1, 1, 4, 4)));
        return b.Build();
    }

    /// <summary>
    /// x[3,6] → MatMul(w) → Add(bias) → BatchNormalization → Relu → y[3,4] at <paramref name="opset"/>, shapes declared: a
    /// matrix-product chain that fuse-matmul-add and fuse-gemm-batchnorm collapse from opset 7 on (skipped below).
    /// </summary>
    public static Model MatMulAddBatchNorm(long opset)
    {
        var b = new GraphBuilder("matmul_add_bn", opset, irVersion: opset < 7 ? 3 : 8);
        var x = b.Input("x", DataType.Float, 3, 6);
        var w = b.Initializer("w", FusionHarness.Values(24, 0.5f), 6, 4);
        var product = b.Op("MatMul", [x, w]);
        product.Type = PassHarness.Float(3, 4);
        var sum = b.Op("Add", [product, b.Initializer("bias", FusionHarness.Values(4, 0.5f, 0f, 3), 4)]);
        sum.Type = PassHarness.Float(3, 4);
        var bn = b.Op("BatchNormalization", [sum, .. FusionHarness.BatchNormParameters(b, 4)], ("epsilon", 1e-5f));
        b.Output(b.Op("Relu", [bn]), "y", PassHarness.Float(3, 4));
        return b.Build();
    }

    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/> and returns the path.</summary>
    public static string SaveTo(this Model model, string path)
    {
        using (model) model.Save(path);
        return path;
    }
}
