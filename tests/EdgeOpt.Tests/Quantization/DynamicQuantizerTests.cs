using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Runtime;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Quantization;

public class DynamicQuantizerTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, long> Batch = new() { ["batch"] = 16 };

    /// <summary>x[batch,64] → fc1: MatMul[64,128] → Add → Relu → fc2: MatMul[128,10] → y, weights ~ N(0, 1/K).</summary>
    internal static Model Mlp(int inputs = 64, int hidden = 128, int outputs = 10)
    {
        var b = new GraphBuilder("mlp", 17);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("batch"), inputs);
        var h = b.Op("MatMul", [x, b.Initializer("w1", Gaussian(inputs * hidden, 1, 1 / MathF.Sqrt(inputs)), inputs, hidden)]);
        b.Graph.Nodes[^1].Name = "fc1";
        h = b.Op("Relu", [b.Op("Add", [h, b.Initializer("b1", Gaussian(hidden, 2, 0.1f), hidden)])]);
        var y = b.Op("MatMul", [h, b.Initializer("w2", Gaussian(hidden * outputs, 3, 1 / MathF.Sqrt(hidden)), hidden, outputs)]);
        b.Graph.Nodes[^1].Name = "fc2";
        b.Output(y, "y", FloatType(Dim.Symbolic("batch"), outputs));
        return b.Build();
    }

    internal static float[] Gaussian(int count, int seed, float std)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = std * MathF.Sqrt(-2 * MathF.Log(1 - rng.NextSingle())) * MathF.Cos(2 * MathF.PI * rng.NextSingle());
        return values;
    }

    internal static TensorType FloatType(params Dim[] dims) => new(DataType.Float, new TensorShape(dims));

    internal static string[] OpTypes(Model model) => model.Graph.Nodes.Select(n => n.OpType).ToArray();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Replaces_each_matmul_with_dynamic_quantize_matmul_that_ort_runs_within_tolerance(bool perChannel)
    {
        using var original = Mlp();
        using var model = original.Clone();

        var report = DynamicQuantizer.Quantize(model, new DynamicQuantizationOptions { PerChannel = perChannel });

        Assert.Equal(["DynamicQuantizeMatMul", "Add", "Relu", "DynamicQuantizeMatMul"], OpTypes(model));
        Assert.Equal(1, model.GetOpset("com.microsoft"));
        var fc1 = model.Graph.Nodes[0];
        Assert.Equal("com.microsoft", fc1.Domain);
        var weight = fc1.Inputs[1]!.Initializer!;
        Assert.Equal(DataType.Int8, weight.DataType);
        Assert.Equal([64L, 128L], weight.Dims);
        Assert.Equal(perChannel ? 128 : 1, fc1.Inputs[2]!.Initializer!.ElementCount);
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name is "w1" or "w2");
        Assert.Equal("y", model.Graph.Outputs[0].Name);

        Assert.Equal(["fc1", "fc2"], report.Quantized.Select(q => q.NodeName));
        Assert.Equal((64 * 128 + 128 * 10) * 4, report.FloatWeightBytes);
        // int8 weights are a quarter of float; per-channel scales add one float per column (+1/K of the float size).
        Assert.InRange(report.SizeRatio, 0.25, perChannel ? 0.25 + 1.0 / 64 : 0.2503);

        // Dynamic int8 keeps the direction of the logits: cosine ≥ 0.999 on 8 random batches of 16.
        var fidelity = ModelEquivalence.Compare(original, model, samples: 8, seed: 5, dims: Batch);
        output.WriteLine($"per-channel {perChannel}: cosine {fidelity.Outputs[0].Cosine:F6}, SQNR {fidelity.Outputs[0].SqnrDb:F1} dB, max rel {fidelity.MaxRelativeError:F4}, size ratio {report.SizeRatio:F4}");
        Assert.All(fidelity.Outputs, o => Assert.True(o.Cosine >= 0.999, $"cosine {o.Cosine}"));
        Assert.True(fidelity.MaxRelativeError <= 0.05, $"max relative error {fidelity.MaxRelativeError}");
    }

    [Fact]
    public void Survives_a_save_and_reload()
    {
        using var original = Mlp();
        using var model = original.Clone();
        DynamicQuantizer.Quantize(model);

        using var reloaded = Model.Parse(model.ToBytes());

        Assert.Equal(OpTypes(model), OpTypes(reloaded));
        var fidelity = ModelEquivalence.Compare(model, reloaded, samples: 2, dims: Batch);
        Assert.Equal(0, fidelity.MaxAbsError);
    }

    [Fact]
    public void Leaves_excluded_nodes_in_float()
    {
        using var original = Mlp();
        using var model = original.Clone();

        var report = DynamicQuantizer.Quantize(model, new DynamicQuantizationOptions { ExcludedNodes = ["fc2"] });

        Assert.Equal(["DynamicQuantizeMatMul", "Add", "Relu", "MatMul"], OpTypes(model));
        var fc2 = model.Graph.Nodes[^1];
        Assert.Equal("fc2", fc2.Name);
        Assert.Equal(DataType.Float, fc2.Inputs[1]!.Initializer!.DataType);
        Assert.Equal(["fc1"], report.Quantized.Select(q => q.NodeName));
        Assert.Equal(["fc2: excluded"], report.Skipped);
        Assert.True(ModelEquivalence.Compare(original, model, samples: 4, dims: Batch).Outputs[0].Cosine >= 0.999);
    }

    [Fact]
    public void Quantizes_gemm_with_transposed_weight_alpha_beta_and_bias()
    {
        var b = new GraphBuilder("gemm", 17);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("batch"), 48);
        var w = b.Initializer("w", Gaussian(24 * 48, 7, 0.2f), 24, 48); // [N, K] with transB = 1
        var c = b.Initializer("c", Gaussian(24, 8, 1f), 1, 24);
        var y = b.Op("Gemm", [x, w, c], ("transB", 1L), ("alpha", 0.5f), ("beta", 2f));
        b.Output(y, "y", FloatType(Dim.Symbolic("batch"), 24));
        using var original = b.Build();
        using var model = original.Clone();

        var report = DynamicQuantizer.Quantize(model);

        var node = Assert.Single(model.Graph.Nodes);
        Assert.Equal("DynamicQuantizeMatMul", node.OpType);
        Assert.Equal([48L, 24L], node.Inputs[1]!.Initializer!.Dims);
        Assert.Equal(5, node.Inputs.Count);
        Assert.Equal("Gemm", Assert.Single(report.Quantized).OpType);
        var fidelity = ModelEquivalence.Compare(original, model, samples: 4, dims: Batch);
        Assert.True(fidelity.Outputs[0].Cosine >= 0.999, $"cosine {fidelity.Outputs[0].Cosine}");
        Assert.True(fidelity.MaxRelativeError <= 0.05, $"max relative error {fidelity.MaxRelativeError}");
    }

    [Fact]
    public void Leaves_gemm_with_a_runtime_bias_in_float_and_says_why()
    {
        var b = new GraphBuilder("gemm_runtime_bias", 17);
        var x = b.Input("x", DataType.Float, 4, 8);
        var bias = b.Input("bias", DataType.Float, 4, 6);
        var y = b.Op("Gemm", [x, b.Initializer("w", Gaussian(48, 1, 0.3f), 8, 6), bias]);
        b.Graph.Nodes[^1].Name = "head";
        var z = b.Op("MatMul", [y, b.Initializer("w2", Gaussian(12, 2, 0.3f), 6, 2)]);
        b.Output(z, "z", FloatType(4, 2));
        using var model = b.Build();

        var report = DynamicQuantizer.Quantize(model);

        Assert.Equal(["Gemm", "DynamicQuantizeMatMul"], OpTypes(model));
        Assert.Contains("head: its C input 'bias'", Assert.Single(report.Skipped));
    }

    [Fact]
    public void Quantizes_only_the_requested_operator_types()
    {
        using var model = Mlp();

        var e = Assert.Throws<UsageException>(() => DynamicQuantizer.Quantize(model, new DynamicQuantizationOptions { OpTypes = ["Gemm"] }));

        Assert.StartsWith("no MatMul/Gemm with constant weights to quantize", e.Message);
        Assert.Equal(["MatMul", "Add", "Relu", "MatMul"], OpTypes(model));
    }

    [Fact]
    public void Rejects_an_unknown_excluded_node_and_leaves_the_model_untouched()
    {
        using var model = Mlp();
        var before = model.ToBytes();

        var e = Assert.Throws<UsageException>(() => DynamicQuantizer.Quantize(model, new DynamicQuantizationOptions { ExcludedNodes = ["fc1", "fc9"] }));

        Assert.Contains("'fc9'", e.Message);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void Rejects_an_unsupported_operator_type()
    {
        using var model = Mlp();

        var e = Assert.Throws<UsageException>(() => DynamicQuantizer.Quantize(model, new DynamicQuantizationOptions { OpTypes = ["Conv"] }));

        Assert.Contains("'Conv'", e.Message);
    }

    [Fact]
    public void Rejects_a_model_without_constant_weights()
    {
        var b = new GraphBuilder("two_inputs", 17);
        var y = b.Op("MatMul", [b.Input("a", DataType.Float, 2, 3), b.Input("b", DataType.Float, 3, 4)]);
        b.Output(y, "y", FloatType(2, 4));
        using var model = b.Build();

        var e = Assert.Throws<UsageException>(() => DynamicQuantizer.Quantize(model));

        Assert.Equal("no MatMul/Gemm with constant weights to quantize", e.Message);
    }

    [Fact]
    public void Keeps_demo_model_top1_within_one_point_of_float()
    {
        using var original = Model.Parse(DemoAssets.ModelBytes());
        using var model = original.Clone();
        var images = DemoAssets.TestSet();

        var report = DynamicQuantizer.Quantize(model);

        Assert.NotEmpty(report.Quantized);
        Assert.All(report.Quantized, q => Assert.Equal("Gemm", q.OpType));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "Gemm");
        using var floatSession = SessionFactory.Create(original);
        using var int8Session = SessionFactory.Create(model);
        var float32 = ClassificationEvaluator.Evaluate(floatSession, images);
        var int8 = ClassificationEvaluator.Evaluate(int8Session, images);
        output.WriteLine($"demo top-1: float {float32.Top1:P1}, dynamic int8 {int8.Top1:P1}; Gemm weights {report.FloatWeightBytes} → {report.QuantizedWeightBytes} bytes");
        Assert.Equal(1000, int8.Samples);
        Assert.True(Math.Abs(float32.Top1 - int8.Top1) <= 0.01, $"top-1 float {float32.Top1:P1} vs dynamic int8 {int8.Top1:P1}");
    }
}
