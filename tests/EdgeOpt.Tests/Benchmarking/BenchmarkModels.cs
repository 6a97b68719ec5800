using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Benchmarking;

/// <summary>Small real models for benchmark tests, written to a temp folder.</summary>
internal static class BenchmarkModels
{
    /// <summary>
    /// x[N, width] → <paramref name="layers"/> × (MatMul width×width, Relu) → y: cost grows with width² × layers,
    /// so two of them have a known speed order.
    /// </summary>
    public static string Mlp(TempDir dir, string name, int width, int layers, Dim? batch = null)
    {
        var b = new GraphBuilder(name, opset: 17);
        var x = b.Input("x", DataType.Float, batch ?? Dim.Symbolic("N"), width);
        var rng = new Random(width);
        var h = x;
        for (var i = 0; i < layers; i++)
        {
            var w = b.Initializer($"w{i}", Enumerable.Range(0, width * width).Select(_ => (float)(rng.NextDouble() - 0.5) / width).ToArray(), width, width);
            h = b.Op("Relu", [b.Op("MatMul", [h, w])]);
        }
        b.Output(h, "y");
        var path = dir.File(name + ".onnx");
        using var model = b.Build();
        model.Save(path);
        return path;
    }

    /// <summary>An image model x[N,1,28,28] → Flatten → MatMul 784×10 (fits Fashion-MNIST).</summary>
    public static string Image(TempDir dir, long channels = 1, long size = 28)
    {
        var b = new GraphBuilder("image", opset: 17);
        var features = channels * size * size;
        var x = b.Input("image", DataType.Float, Dim.Symbolic("N"), channels, size, size);
        var w = b.Initializer("w", Enumerable.Range(0, (int)features * 10).Select(i => (i % 7) / 70f).ToArray(), features, 10);
        b.Output(b.Op("MatMul", [b.Op("Flatten", [x], ("axis", 1L)), w]), "scores");
        var path = dir.File($"image{channels}x{size}.onnx");
        using var model = b.Build();
        model.Save(path);
        return path;
    }

    /// <summary>x[1, height, 8] with a free (symbolic) second dim 'height'.</summary>
    public static string FreeInnerDim(TempDir dir)
    {
        var b = new GraphBuilder("free", opset: 17);
        var x = b.Input("x", DataType.Float, 1, Dim.Symbolic("height"), 8);
        b.Output(b.Op("Relu", [x]), "y");
        var path = dir.File("free.onnx");
        using var model = b.Build();
        model.Save(path);
        return path;
    }
}
