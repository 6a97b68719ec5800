using EdgeOpt.Onnx;
using EdgeOpt.Pruning;

namespace EdgeOpt.Tests.Pruning;

/// <summary>
/// Small CNNs built with <see cref="GraphBuilder"/> for the dependency-group rules. Every producer's last
/// <see cref="DeadChannels"/> output channels have near-zero weights, so pruning a few channels (the least important)
/// leaves the outputs nearly unchanged; shapes of every value are declared, so a pruned model whose value_info was
/// not updated fails the ONNX checker.
/// </summary>
internal sealed class StructuredGraphs
{
    public const int DeadChannels = 4;

    private readonly Random _random = new(7);

    public GraphBuilder Builder { get; } = new("pruning", opset: 13);

    public Value Input(int channels = 8, int size = 8) => Builder.Input("x", DataType.Float, 1, channels, size, size);

    /// <summary>A Conv (3×3, same padding unless 1×1) with bias; its last <see cref="DeadChannels"/> filters are near zero when <paramref name="dead"/>.</summary>
    public Value Conv(Value x, int cin, int cout, string name, int kernel = 3, int group = 1, bool dead = true)
    {
        var w = Weights(cout, cin / group * kernel * kernel, dead ? DeadChannels : 0);
        var weight = Builder.Initializer(name + "_w", w, cout, cin / group, kernel, kernel);
        var bias = Builder.Initializer(name + "_b", Enumerable.Range(0, cout).Select(c => dead && c >= cout - DeadChannels ? 0f : 0.1f * (float)_random.NextDouble()).ToArray(), cout);
        var pad = kernel / 2;
        return Builder.AddNode("Conv", [x, weight, bias], name: name, outputNames: [name + "_out"],
            attributes: [("kernel_shape", new long[] { kernel, kernel }), ("pads", new long[] { pad, pad, pad, pad }), ("group", (long)group)]).Outputs[0];
    }

    /// <summary>A BatchNormalization whose shift is zero on the dead channels (so they stay near zero after it).</summary>
    public Value BatchNorm(Value x, int channels, string name)
    {
        float[] Vector(float low, float high) => Enumerable.Range(0, channels)
            .Select(c => c >= channels - DeadChannels && low < 0 ? 0 : low + (high - low) * (float)_random.NextDouble()).ToArray();
        var scale = Builder.Initializer(name + "_scale", Vector(0.5f, 1.5f), channels);
        var b = Builder.Initializer(name + "_bias", Vector(-0.1f, 0.1f), channels);
        var mean = Builder.Initializer(name + "_mean", Vector(-0.01f, 0.01f), channels);
        var variance = Builder.Initializer(name + "_var", Vector(0.5f, 1.5f), channels);
        return Builder.AddNode("BatchNormalization", [x, scale, b, mean, variance], name: name, outputNames: [name + "_out"]).Outputs[0];
    }

    public Value Relu(Value x) => Builder.Op("Relu", [x]);

    /// <summary>Weights of a layer with <paramref name="rows"/> output channels, the last <paramref name="dead"/> of them near zero.</summary>
    public float[] Weights(int rows, int perRow, int dead)
    {
        var w = new float[rows * perRow];
        var scale = (float)Math.Sqrt(2.0 / perRow);
        for (var r = 0; r < rows; r++)
            for (var i = 0; i < perRow; i++)
                w[r * perRow + i] = (float)(_random.NextDouble() * 2 - 1) * scale * (r >= rows - dead ? 1e-4f : 1f);
        return w;
    }

    /// <summary>Conv a (8→16) → ReLU → Conv b (16→16) → ReLU → 1×1 head (16→4): two prunable groups, one reaching the output.</summary>
    public static Model Chain()
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var a = g.Relu(g.Conv(x, 8, 16, "a"));
        var b = g.Relu(g.Conv(a, 16, 16, "b"));
        return g.Build(g.Conv(b, 16, 4, "head", kernel: 1, dead: false));
    }

    /// <summary>Marks the output and builds the model with every value's shape declared (as exporters write value_info).</summary>
    public Model Build(Value output)
    {
        Builder.Output(output, "y");
        var model = Builder.Build();
        EdgeOpt.Onnx.ShapeInference.Infer(model);
        return model;
    }

    /// <summary>Prunes and checks what every pruned model must satisfy: ONNX checker valid, ORT ran it, input model untouched.</summary>
    public static PruningResult Prune(Model model, PruningOptions options, EdgeOpt.Data.ISampleSource? data = null)
    {
        var before = model.ToBytes();
        var result = new Pruner(options).Prune(model, data);
        Assert.Equal(before, model.ToBytes());
        Assert.True(result.Fidelity.Samples > 0, "ONNX Runtime did not run the pruned model");
        var path = Path.Combine(Path.GetTempPath(), $"edgeopt-structured-{Guid.NewGuid():N}.onnx");
        try
        {
            result.Model.Save(path);
            var complaint = OnnxChecker.Check(path);
            Assert.True(complaint is null, $"ONNX checker: {complaint}");
        }
        finally
        {
            File.Delete(path);
        }
        return result;
    }

    public static Tensor WeightOf(Model model, string node) =>
        model.Graph.Nodes.Single(n => n.Name == node).Inputs[1]!.Initializer!;

    public static Dim DimOf(Model model, string value, int axis) =>
        model.Graph.Nodes.SelectMany(n => n.Outputs).Single(v => v.Name == value).Shape![axis];
}
