using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Tensor = EdgeOpt.Onnx.Tensor;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Quantization;

/// <summary>The demo CNN, optimized, with min/max ranges of every activation over 100 calibration images (computed once).</summary>
public sealed class QdqDemoFixture
{
    public QdqDemoFixture()
    {
        Optimized = Model.Parse(DemoAssets.ModelBytes());
        ModelOptimizer.Optimize(Optimized, new OptimizationOptions());
        Ranges = ActivationRanges(Optimized, DemoAssets.CalibrationSet().Take(100));
        Plan = QdqQuantizer.CreatePlan(Optimized, Ranges, new QdqOptions { CalibrationSamples = 100 });
    }

    public Model Optimized { get; }
    public IReadOnlyDictionary<string, TensorRange> Ranges { get; }
    public QuantizationPlan Plan { get; }

    public Model Quantized(QuantizationPlan? plan = null)
    {
        var model = Optimized.Clone();
        QdqQuantizer.Apply(model, plan ?? Plan);
        return model;
    }

    /// <summary>Activation ranges from the library's streaming calibrator, fed in batches of 25 images (pixel / 255).</summary>
    internal static IReadOnlyDictionary<string, TensorRange> ActivationRanges(Model model, LabelledImages images, CalibrationMethod method = CalibrationMethod.MinMax) =>
        Calibrator.Calibrate(model, Batches(model.Graph.Inputs[0].Name, images, 25), new CalibrationOptions { Method = method }).Ranges;

    private static List<IReadOnlyDictionary<string, Tensor>> Batches(string input, LabelledImages images, int size)
    {
        var batches = new List<IReadOnlyDictionary<string, Tensor>>();
        for (var start = 0; start < images.Count; start += size)
        {
            var n = Math.Min(size, images.Count - start);
            var pixels = new float[n * images.PixelsPerImage];
            for (var i = 0; i < pixels.Length; i++) pixels[i] = images.Pixels[start * images.PixelsPerImage + i] / 255f;
            batches.Add(new Dictionary<string, Tensor> { [input] = Tensor.Create(input, pixels, n, 1, images.Rows, images.Cols) });
        }
        return batches;
    }
}

public sealed class QdqQuantizerTests(QdqDemoFixture demo, ITestOutputHelper output) : IClassFixture<QdqDemoFixture>
{
    /// <summary>The optimized float model and <paramref name="quantized"/> evaluated on the same 1,000 embedded test images.</summary>
    private (ClassificationResult Fp32, ClassificationResult Int8) Top1(Model quantized)
    {
        var test = DemoAssets.TestSet();
        using var floatSession = SessionFactory.Create(demo.Optimized);
        using var intSession = SessionFactory.Create(quantized);
        return (ModelEvaluator.Evaluate(floatSession, test), ModelEvaluator.Evaluate(intSession, test));
    }

    [Fact]
    public void Demo_QuantizedModel_KeepsTop1WithinHalfAPoint_AndShrinksBelowThirtyPercent()
    {
        using var quantized = demo.Quantized();
        var (fp32, int8) = Top1(quantized);
        var floatBytes = demo.Optimized.ToBytes().Length;
        var intBytes = quantized.ToBytes().Length;
        output.WriteLine($"top-1 fp32 {fp32.Top1:P2}, int8 {int8.Top1:P2} on {int8.Samples} images; size {floatBytes} -> {intBytes} bytes ({(double)intBytes / floatBytes:P1})");

        Assert.Equal(1000, int8.Samples);
        Assert.InRange(Math.Abs(int8.Top1 - fp32.Top1) * 100, 0, 0.5);
        Assert.True(intBytes <= 0.3 * floatBytes, $"quantized model is {intBytes} bytes, more than 30% of {floatBytes}");
    }

    [Theory]
    [InlineData(CalibrationMethod.Percentile)]
    [InlineData(CalibrationMethod.MinMax)]
    public void Demo_MinMaxAndPercentileCalibration_KeepTop1WithinHalfAPoint(CalibrationMethod method)
    {
        // Entropy is not held to this on the demo: conv1 maps the black background to one constant per channel, and
        // KL divergence clips to those spikes (84% top-1); docs/architecture.md explains, the accuracy search repairs it.
        var ranges = QdqDemoFixture.ActivationRanges(demo.Optimized, DemoAssets.CalibrationSet().Take(100), method);
        using var quantized = demo.Quantized(QdqQuantizer.CreatePlan(demo.Optimized, ranges));
        var (fp32, int8) = Top1(quantized);
        output.WriteLine($"{method}: top-1 fp32 {fp32.Top1:P2}, int8 {int8.Top1:P2}");
        Assert.InRange(Math.Abs(int8.Top1 - fp32.Top1) * 100, 0, 0.5);
    }

    [Fact]
    public void Demo_QdqPlacement_LetsOrtFuseIntegerKernels()
    {
        using var quantized = demo.Quantized();
        using var dir = new TempDir();
        var optimizedPath = dir.File("ort-optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = optimizedPath })
        using (new InferenceSession(quantized.ToBytes(), options)) { }

        using var fused = Model.Load(optimizedPath);
        var ops = fused.Graph.Nodes.Select(n => n.OpType).ToList();
        output.WriteLine("ORT optimized graph: " + string.Join(", ", ops));
        Assert.Equal(3, ops.Count(o => o == "QLinearConv"));
        Assert.Contains(ops, o => o is "QGemm" or "QLinearMatMul" or "MatMulInteger" or "MatMulIntegerToFloat");
        Assert.DoesNotContain("Conv", ops);
        Assert.DoesNotContain("Relu", ops);
    }

    [Fact]
    public void Demo_Plan_QuantizesWeightsPerChannel_BiasesInt32_AndFoldsRelus()
    {
        var plan = demo.Plan;
        Assert.Equal(QuantizedPrecision.UInt8, plan.ActivationType);
        Assert.Equal(4, plan.FoldedActivations.Count); // three conv blocks and fc1
        var convWeights = plan.Tensors.Where(t => t is { Precision: QuantizedPrecision.Int8, Axis: 0 } && t.Scales.Count is 16 or 32 or 64).ToList();
        Assert.Equal(3, convWeights.Count);
        Assert.All(convWeights, w => Assert.All(w.ZeroPoints, z => Assert.Equal(0, z)));
        var biases = plan.Tensors.Where(t => t.Precision == QuantizedPrecision.Int32).ToList();
        Assert.Equal(5, biases.Count);
        // Folded Relu outputs start at 0, so the uint8 zero point is exactly 0.
        var input = plan.Find(demo.Optimized.Graph.Inputs[0].Name)!;
        Assert.Equal(0, input.ZeroPoints[0]);
        Assert.Equal(1f / 255f, input.Scales[0], 1e-6f);
    }

    [Fact]
    public void Plan_SavedAndLoaded_GivesByteIdenticalModel()
    {
        using var dir = new TempDir();
        var path = dir.File("plan.json");
        demo.Plan.Save(path);
        var loaded = QuantizationPlan.Load(path);

        Assert.Equal(demo.Plan.Tensors.Count, loaded.Tensors.Count);
        Assert.Single(Directory.GetFiles(dir.Path));
        using var direct = demo.Quantized();
        using var viaFile = demo.Quantized(loaded);
        Assert.Equal(direct.ToBytes(), viaFile.ToBytes());
        Assert.Contains("\"precision\": \"uint8\"", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void ExcludedNode_StaysFloat_AndModelStillRuns()
    {
        var conv = demo.Optimized.Graph.Nodes.First(n => n.OpType == "Conv" && n.Name.Length > 0).Name;
        var plan = QdqQuantizer.CreatePlan(demo.Optimized, demo.Ranges, new QdqOptions { ExcludedNodes = [conv] });
        using var quantized = demo.Quantized(plan);

        Assert.Contains(plan.ExcludedNodes, e => e.Node == conv);
        var weight = plan.Find(demo.Optimized.Graph.Nodes.Single(n => n.Name == conv).Inputs[1]!.Name)!;
        Assert.Equal(QuantizedPrecision.Float, weight.Precision);
        Assert.Contains("excluded", weight.Reason, StringComparison.Ordinal);
        var node = quantized.Graph.Nodes.Single(n => n.Name == conv);
        Assert.Equal(DataType.Float, node.Inputs[1]!.Initializer?.DataType);
        Assert.Null(node.Inputs[1]!.Producer);
        using var session = SessionFactory.Create(quantized);
        var result = ModelEvaluator.Evaluate(session, DemoAssets.TestSet().Take(200));
        Assert.InRange(result.Top1, 0.8, 1.0);
    }

    [Fact]
    public void Int8SymmetricActivations_KeepRelus_AndStayAccurate()
    {
        var plan = QdqQuantizer.CreatePlan(demo.Optimized, demo.Ranges,
            new QdqOptions { ActivationType = QuantizedPrecision.Int8, SymmetricActivations = true });
        using var quantized = demo.Quantized(plan);

        Assert.Empty(plan.FoldedActivations);
        Assert.All(plan.Tensors.Where(t => t.Precision == QuantizedPrecision.Int8 && t.Axis is null), t => Assert.Equal(0, t.ZeroPoints[0]));
        Assert.Equal(4, quantized.Graph.Nodes.Count(n => n.OpType == "Relu"));
        var (fp32, int8) = Top1(quantized);
        output.WriteLine($"int8 symmetric: top-1 fp32 {fp32.Top1:P2}, int8 {int8.Top1:P2}");
        Assert.InRange(Math.Abs(int8.Top1 - fp32.Top1) * 100, 0, 1.0);
    }

    [Fact]
    public void UnknownExcludedNode_IsUsageErrorNamingIt()
    {
        var e = Assert.Throws<UsageException>(() =>
            QdqQuantizer.CreatePlan(demo.Optimized, demo.Ranges, new QdqOptions { ExcludedNodes = ["no_such_conv"] }));
        Assert.Contains("'no_such_conv'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelWithoutQuantizableOps_IsUsageError()
    {
        var b = new GraphBuilder("relu_only", opset: 13);
        var x = b.Input("x", DataType.Float, 1, 4);
        b.Output(b.Op("Relu", [x]), "y");
        using var model = b.Build();
        var e = Assert.Throws<UsageException>(() => QdqQuantizer.CreatePlan(model, new Dictionary<string, TensorRange>()));
        Assert.Contains("no quantizable operators", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingRange_IsUsageErrorNamingTheTensor()
    {
        var inputName = demo.Optimized.Graph.Inputs[0].Name;
        var ranges = demo.Ranges.Where(kv => kv.Key != inputName).ToDictionary();
        var e = Assert.Throws<UsageException>(() => QdqQuantizer.CreatePlan(demo.Optimized, ranges));
        Assert.Contains($"'{inputName}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnoptimizedModel_WithBatchNorm_IsUsageError()
    {
        using var raw = Model.Parse(DemoAssets.ModelBytes());
        var e = Assert.Throws<UsageException>(() => QdqQuantizer.CreatePlan(raw, demo.Ranges));
        Assert.Contains("ModelOptimizer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanNamingAMissingTensor_FailsBeforeChangingTheModel()
    {
        var plan = demo.Plan with { Tensors = [.. demo.Plan.Tensors, new TensorQuantization("ghost", QuantizedPrecision.UInt8, [0.1f], [0])] };
        using var model = demo.Optimized.Clone();
        var before = model.ToBytes();
        var e = Assert.Throws<UsageException>(() => QdqQuantizer.Apply(model, plan));
        Assert.Contains("'ghost'", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void LoadingACorruptPlan_NamesTheFile()
    {
        using var dir = new TempDir();
        var path = dir.File("broken.json");
        File.WriteAllText(path, "{ \"version\": 1, \"activationType\": \"uint8\", \"tensors\": [ { \"name\": \"x\", \"precision\": \"uint8\", \"scales\": [-1], \"zeroPoints\": [0] } ] }");
        var e = Assert.Throws<ModelFormatException>(() => QuantizationPlan.Load(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Contains("'x'", StringComparison.Ordinal), e.Message);
        Assert.Throws<ModelFormatException>(() => QuantizationPlan.FromJson("{ not json", "plan.json"));
    }
}
