using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
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

        Assert.StartsWith("no MatMul, Gemm, Conv or LSTM with constant weights to quantize", e.Message);
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

        var e = Assert.Throws<UsageException>(() => DynamicQuantizer.Quantize(model, new DynamicQuantizationOptions { OpTypes = ["GRU"] }));

        Assert.Contains("'GRU'", e.Message);
    }

    [Fact]
    public void Rejects_a_model_without_constant_weights()
    {
        var b = new GraphBuilder("two_inputs", 17);
        var y = b.Op("MatMul", [b.Input("a", DataType.Float, 2, 3), b.Input("b", DataType.Float, 3, 4)]);
        b.Output(y, "y", FloatType(2, 4));
        using var model = b.Build();

        var e = Assert.Throws<UsageException>(() => DynamicQuantizer.Quantize(model));

        // The activation × activation MatMul is named with why it stays float.
        Assert.StartsWith("no MatMul, Gemm, Conv or LSTM with constant weights to quantize (skipped: ", e.Message);
        Assert.Contains("its B input 'b' is not a constant float [K, N] matrix", e.Message);
    }

    /// <summary>
    /// x[batch,3,16,16] → conv1 (8×3×3×3, bias, pads 1, strides 2) → Relu → conv2 (16×8×3×3, no bias, dilations 2,
    /// pads 2) → Relu → conv3 (4×16×1×1, bias) → y[batch,4,8,8]; weights ~ N(0, 1/fan-in).
    /// </summary>
    internal static Model ConvNet(long opset = 17)
    {
        var b = new GraphBuilder("convnet", opset);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("batch"), 3, 16, 16);
        var h = b.Op("Conv", [x, b.Initializer("w1", Gaussian(8 * 3 * 9, 11, 1 / MathF.Sqrt(27)), 8, 3, 3, 3), b.Initializer("b1", Gaussian(8, 12, 0.1f), 8)],
            ("pads", new long[] { 1, 1, 1, 1 }), ("strides", new long[] { 2, 2 }), ("kernel_shape", new long[] { 3, 3 }));
        b.Graph.Nodes[^1].Name = "conv1";
        h = b.Op("Relu", [h]);
        h = b.Op("Conv", [h, b.Initializer("w2", Gaussian(16 * 8 * 9, 13, 1 / MathF.Sqrt(72)), 16, 8, 3, 3)],
            ("pads", new long[] { 2, 2, 2, 2 }), ("dilations", new long[] { 2, 2 }));
        b.Graph.Nodes[^1].Name = "conv2";
        h = b.Op("Relu", [h]);
        var y = b.Op("Conv", [h, b.Initializer("w3", Gaussian(4 * 16, 14, 0.25f), 4, 16, 1, 1), b.Initializer("b3", Gaussian(4, 15, 0.1f), 4)]);
        b.Graph.Nodes[^1].Name = "conv3";
        b.Output(y, "y", FloatType(Dim.Symbolic("batch"), 4, 8, 8));
        return b.Build();
    }

    private static readonly string[] QuantizedConvOps = ["DynamicQuantizeLinear", "ConvInteger", "Cast", "Mul", "Mul"];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Replaces_each_conv_with_conv_integer_that_ort_runs_within_tolerance(bool perChannel)
    {
        using var original = ConvNet();
        using var model = original.Clone();

        var report = DynamicQuantizer.Quantize(model, new DynamicQuantizationOptions { PerChannel = perChannel });

        Assert.Equal([.. QuantizedConvOps, "Add", "Relu", .. QuantizedConvOps, "Relu", .. QuantizedConvOps, "Add"], OpTypes(model));
        Assert.Null(model.GetOpset("com.microsoft"));
        var conv1 = model.Graph.Nodes[1];
        Assert.Equal([2L, 2L], conv1.Attributes.GetInts("strides")!);
        Assert.Equal([1L, 1L, 1L, 1L], conv1.Attributes.GetInts("pads")!);
        Assert.Equal([2L, 2L], model.Graph.Nodes[8].Attributes.GetInts("dilations")!);
        var weight = conv1.Inputs[1]!.Initializer!;
        Assert.Equal(DataType.Int8, weight.DataType);
        Assert.Equal([8L, 3L, 3L, 3L], weight.Dims);
        var weightScale = model.Graph.Nodes[3].Inputs[1]!.Initializer!;
        Assert.Equal(perChannel ? [1L, 8L, 1L, 1L] : [], weightScale.Dims);
        Assert.Equal([1L, 8L, 1L, 1L], model.Graph.Nodes[5].Inputs[1]!.Initializer!.Dims); // bias, broadcast over [N, M, H, W]
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name is "w1" or "w2" or "w3" or "b1" or "b3");
        Assert.Equal("y", model.Graph.Outputs[0].Name);

        Assert.Equal(["conv1", "conv2", "conv3"], report.Quantized.Select(q => q.NodeName));
        Assert.All(report.Quantized, q => Assert.Equal("Conv", q.OpType));
        Assert.Equal([27L, 72L, 16L], report.Quantized.Select(q => q.K));
        Assert.Equal([8L, 16L, 4L], report.Quantized.Select(q => q.N));
        long weights = 8 * 27 + 16 * 72 + 4 * 16, biases = 8 + 4, scales = perChannel ? 8 + 16 + 4 : 3;
        Assert.Equal((weights + biases) * 4, report.FloatWeightBytes);
        // One int8 per weight, plus per layer a zero-point byte and float scales; the biases stay float.
        Assert.Equal(weights + 3 + (scales + biases) * 4, report.QuantizedWeightBytes);
        Assert.InRange(report.SizeRatio, 0.25, 0.30);

        // The model survives serialization; dynamic int8 keeps cosine ≥ 0.999 on 8 random batches of 16.
        using var reloaded = Model.Parse(model.ToBytes());
        var fidelity = ModelEquivalence.Compare(original, reloaded, samples: 8, seed: 5, dims: Batch);
        output.WriteLine($"conv per-channel {perChannel}: cosine {fidelity.Outputs[0].Cosine:F6}, SQNR {fidelity.Outputs[0].SqnrDb:F1} dB, max rel {fidelity.MaxRelativeError:F4}, size ratio {report.SizeRatio:F4}");
        Assert.True(fidelity.Outputs[0].Cosine >= 0.999, $"cosine {fidelity.Outputs[0].Cosine}");
        Assert.True(fidelity.MaxRelativeError <= 0.05, $"max relative error {fidelity.MaxRelativeError}");
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(8, true)] // depthwise
    [InlineData(8, false)]
    public void Quantizes_grouped_and_depthwise_conv(int group, bool perChannel)
    {
        var b = new GraphBuilder("grouped", 17);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("batch"), 8, 12, 12);
        var fanIn = 8 / group * 9;
        // Channels of very different magnitude, as depthwise filters often are.
        var w = Gaussian(8 * fanIn, 21, 1 / MathF.Sqrt(fanIn));
        for (var i = 0; i < w.Length; i++) w[i] *= 1 + i / fanIn;
        var y = b.Op("Conv", [x, b.Initializer("w", w, 8, 8 / group, 3, 3), b.Initializer("b", Gaussian(8, 22, 0.1f), 8)],
            ("group", (long)group), ("pads", new long[] { 1, 1, 1, 1 }));
        b.Output(y, "y", FloatType(Dim.Symbolic("batch"), 8, 12, 12));
        using var original = b.Build();
        using var model = original.Clone();

        var report = DynamicQuantizer.Quantize(model, new DynamicQuantizationOptions { PerChannel = perChannel });

        Assert.Equal([.. QuantizedConvOps, "Add"], OpTypes(model));
        Assert.Equal(group, model.Graph.Nodes[1].Attributes.GetInt("group", 1));
        Assert.Equal(fanIn, Assert.Single(report.Quantized).K);
        var fidelity = ModelEquivalence.Compare(original, model, samples: 4, seed: 3, dims: Batch);
        output.WriteLine($"group {group} per-channel {perChannel}: cosine {fidelity.Outputs[0].Cosine:F6}, SQNR {fidelity.Outputs[0].SqnrDb:F1} dB, max rel {fidelity.MaxRelativeError:F4}");
        Assert.True(fidelity.Outputs[0].Cosine >= 0.999, $"cosine {fidelity.Outputs[0].Cosine}");
        Assert.True(fidelity.MaxRelativeError <= 0.05, $"max relative error {fidelity.MaxRelativeError}");
    }

    [Fact]
    public void Quantizes_an_input_shared_by_two_convs_once()
    {
        var b = new GraphBuilder("branches", 17);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("batch"), 4, 8, 8);
        var left = b.Op("Conv", [x, b.Initializer("wl", Gaussian(6 * 4, 31, 0.5f), 6, 4, 1, 1)]);
        var right = b.Op("Conv", [x, b.Initializer("wr", Gaussian(6 * 4 * 9, 32, 0.2f), 6, 4, 3, 3)], ("pads", new long[] { 1, 1, 1, 1 }));
        b.Output(b.Op("Add", [left, right]), "y", FloatType(Dim.Symbolic("batch"), 6, 8, 8));
        using var original = b.Build();
        using var model = original.Clone();

        var report = DynamicQuantizer.Quantize(model);

        Assert.Equal(2, report.Quantized.Count);
        Assert.Single(model.Graph.Nodes, n => n.OpType == "DynamicQuantizeLinear");
        Assert.Equal(2, model.Graph.Nodes.Count(n => n.OpType == "ConvInteger"));
        Assert.True(ModelEquivalence.Compare(original, model, samples: 4, dims: Batch).Outputs[0].Cosine >= 0.999);
    }

    [Fact]
    public void Leaves_excluded_and_unsupported_convs_in_float()
    {
        using var original = ConvNet();
        using var model = original.Clone();

        var report = DynamicQuantizer.Quantize(model, new DynamicQuantizationOptions { ExcludedNodes = ["conv2"] });

        Assert.Equal(["conv1", "conv3"], report.Quantized.Select(q => q.NodeName));
        Assert.Equal(["conv2: excluded"], report.Skipped);
        var conv2 = Assert.Single(model.Graph.Nodes, n => n.OpType == "Conv");
        Assert.Equal("conv2", conv2.Name);
        Assert.Equal(DataType.Float, conv2.Inputs[1]!.Initializer!.DataType);
        Assert.True(ModelEquivalence.Compare(original, model, samples: 4, dims: Batch).Outputs[0].Cosine >= 0.999);

        // Conv alone is selectable, and MatMul-only leaves every Conv alone.
        using var convOnly = original.Clone();
        Assert.Equal(3, DynamicQuantizer.Quantize(convOnly, new DynamicQuantizationOptions { OpTypes = ["Conv"] }).Quantized.Count);
        using var matMulOnly = original.Clone();
        Assert.Throws<UsageException>(() => DynamicQuantizer.Quantize(matMulOnly, new DynamicQuantizationOptions { OpTypes = ["MatMul", "Gemm"] }));
        Assert.Equal(OpTypes(original), OpTypes(matMulOnly));
    }

    [Fact]
    public void Leaves_conv_with_a_runtime_bias_in_float_and_says_why()
    {
        var b = new GraphBuilder("conv_runtime_bias", 17);
        var x = b.Input("x", DataType.Float, 1, 2, 6, 6);
        var y = b.Op("Conv", [x, b.Initializer("w", Gaussian(3 * 2 * 9, 41, 0.3f), 3, 2, 3, 3), b.Input("bias", DataType.Float, 3)]);
        b.Graph.Nodes[^1].Name = "head";
        b.Output(y, "y", FloatType(1, 3, 4, 4));
        using var model = b.Build();
        var before = model.ToBytes();

        var e = Assert.Throws<UsageException>(() => DynamicQuantizer.Quantize(model));

        Assert.Equal("no MatMul, Gemm, Conv or LSTM with constant weights to quantize (skipped: head: its bias 'bias' is not a constant float vector of 3 elements)", e.Message);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void Leaves_conv_in_float_below_opset_11()
    {
        using var model = ConvNet(opset: 10);

        var e = Assert.Throws<UsageException>(() => DynamicQuantizer.Quantize(model));

        Assert.Contains("conv1: Conv needs opset 11 or later for DynamicQuantizeLinear (the model imports opset 10)", e.Message);
        Assert.Equal(OpTypes(ConvNet()), OpTypes(model));
    }

    [Fact]
    public void Keeps_demo_model_top1_within_one_point_of_float()
    {
        // Optimized first, as the Quantizer facade does, so BatchNormalization is folded into the Conv weights.
        using var original = Model.Parse(DemoAssets.ModelBytes());
        ModelOptimizer.Optimize(original, new OptimizationOptions { Level = PassLevel.Extended });
        using var model = original.Clone();
        var images = DemoAssets.TestSet();

        var report = DynamicQuantizer.Quantize(model);

        Assert.Contains(report.Quantized, q => q.OpType == "Conv");
        Assert.Contains(report.Quantized, q => q.OpType == "Gemm");
        Assert.Empty(report.Skipped);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType is "Gemm" or "Conv");
        var conv = report.Quantized.Where(q => q.OpType == "Conv").ToList();
        var convRatio = (double)conv.Sum(q => q.QuantizedBytes) / conv.Sum(q => q.FloatBytes);
        using var floatSession = SessionFactory.Create(original);
        using var int8Session = SessionFactory.Create(model);
        var float32 = ModelEvaluator.Evaluate(floatSession, images);
        var int8 = ModelEvaluator.Evaluate(int8Session, images);
        output.WriteLine($"demo top-1: float {float32.Top1:P1}, dynamic int8 {int8.Top1:P1}; {report.Quantized.Count} layers, weights {report.FloatWeightBytes} → {report.QuantizedWeightBytes} bytes (Conv ratio {convRatio:F4}, all {report.SizeRatio:F4})");
        Assert.InRange(convRatio, 0.25, 0.27);
        Assert.Equal(1000, int8.Samples);
        Assert.True(Math.Abs(float32.Top1 - int8.Top1) <= 0.01, $"top-1 float {float32.Top1:P1} vs dynamic int8 {int8.Top1:P1}");
    }
}
