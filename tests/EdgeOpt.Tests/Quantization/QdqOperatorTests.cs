using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Tensor = EdgeOpt.Onnx.Tensor;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Quantization;

/// <summary>
/// Per operator: a small float model puts the operator between quantized neighbours (Conv → op → Conv → Conv), is
/// calibrated (MinMax, 8 random inputs), planned and rewritten; then (1) the QDQ model agrees with the float model
/// and (2) ONNX Runtime's optimized CPU graph holds the operator's integer kernel with no float island around it.
/// </summary>
public sealed class QdqOperatorTests(ITestOutputHelper output)
{
    private const int Channels = 8;

    public static TheoryData<string> Operators =>
    [
        "MatMul", "Add", "Mul", "Concat", "AveragePool", "GlobalAveragePool", "MaxPool", "Resize",
        "Reshape", "Flatten", "Transpose", "SqueezeUnsqueeze", "Slice", "Gather",
    ];

    [Theory]
    [MemberData(nameof(Operators))]
    public void Operator_BetweenQuantizedNeighbours_FusesIntoIntegerKernel_AndStaysAccurate(string op)
    {
        using var model = Chain(op, opset: 13);
        var (quantized, plan) = Quantize(model);
        using (quantized)
        {
            var ops = OrtOptimizedOps(quantized, out var fused);
            using (fused)
            {
                output.WriteLine($"{op}: ORT graph {string.Join(", ", ops)}");
                var (integerOp, floatOp) = Expected(op);
                Assert.Contains(integerOp, ops);
                if (floatOp is not null) Assert.DoesNotContain(floatOp, ops);
                foreach (var node in fused.Graph.Nodes.Where(n => n.OpType == integerOp))
                {
                    // No float island: the integer kernel reads integer producers and feeds integer consumers.
                    Assert.All(node.Inputs, i => Assert.NotEqual("DequantizeLinear", i?.Producer?.OpType));
                    Assert.All(node.Outputs.SelectMany(o => o.Uses), u => Assert.NotEqual("QuantizeLinear", u.Node.OpType));
                }
            }
            AssertAgrees(model, quantized);
        }
    }

    private static (string Integer, string? Float) Expected(string op) => op switch
    {
        "MatMul" => ("QLinearMatMul", "MatMul"),
        "Add" => ("QLinearAdd", "Add"),
        "Mul" => ("QLinearMul", "Mul"),
        "Concat" => ("QLinearConcat", "Concat"),
        "AveragePool" => ("QLinearAveragePool", "AveragePool"),
        "GlobalAveragePool" => ("QLinearGlobalAveragePool", "GlobalAveragePool"),
        "SqueezeUnsqueeze" => ("Squeeze", null),
        _ => (op, null),
    };

    [Fact]
    public void ConvTranspose_QuantizesWeightsAlongAxis1_AndRunsAsQdqAroundFloatKernel()
    {
        using var model = Chain("ConvTranspose", opset: 13);
        var (quantized, plan) = Quantize(model);
        using (quantized)
        {
            var deconv = model.Graph.Nodes.Single(n => n.OpType == "ConvTranspose");
            var weight = plan.Find(deconv.Inputs[1]!.Name)!;
            Assert.Equal((QuantizedPrecision.Int8, 1, 4), (weight.Precision, weight.Axis, weight.Scales.Count));
            Assert.Equal(QuantizedPrecision.Int32, plan.Find(deconv.Inputs[2]!.Name)!.Precision);

            // ORT 1.31's CPU provider has no QDQ selector for ConvTranspose: it keeps DQ → ConvTranspose → Q in float
            // while its neighbours still fuse. The QDQ form is kept for the 4× smaller weight and for providers that fuse it.
            var ops = OrtOptimizedOps(quantized, out var fused);
            using (fused)
            {
                output.WriteLine($"ConvTranspose: ORT graph {string.Join(", ", ops)}");
                var node = fused.Graph.Nodes.Single(n => n.OpType == "ConvTranspose");
                Assert.Equal("DequantizeLinear", node.Inputs[0]!.Producer?.OpType);
                Assert.Equal(2, ops.Count(o => o == "QLinearConv"));
            }
            AssertAgrees(model, quantized);
        }
    }

    [Fact]
    public void ReluAfterAdd_IsFoldedIntoTheAddOutputRange()
    {
        using var model = Chain("Add", opset: 13);
        var (quantized, plan) = Quantize(model);
        using (quantized)
        {
            var relu = model.Graph.Nodes.First(n => n.OpType == "Relu");
            Assert.Equal("Add", relu.Inputs[0]!.Producer!.OpType);
            Assert.Contains(relu.Name, plan.FoldedActivations);
            var add = plan.Find(relu.Inputs[0]!.Name)!;
            Assert.Equal(0, add.ZeroPoints[0]);
            Assert.Equal(0f, add.Min);
            Assert.DoesNotContain(quantized.Graph.Nodes, n => n.OpType == "Relu");
        }
    }

    [Theory]
    [InlineData(13, 6f)]
    [InlineData(10, 6f)]
    [InlineData(13, float.PositiveInfinity)] // max input absent: unbounded above
    public void Relu6Clip_AfterConv_IsFolded_AndOrtFusesBothConvs(long opset, float max)
    {
        using var model = ClipChain(opset, min: 0f, max);
        // Per-channel weights need opset 13; the opset-10 variant (Clip bounds as attributes) stays per-tensor.
        var (quantized, plan) = Quantize(model, new QdqOptions { PerChannel = opset >= 13 });
        using (quantized)
        {
            var clip = model.Graph.Nodes.Single(n => n.OpType == "Clip");
            Assert.Contains(clip.Name, plan.FoldedActivations);
            var range = plan.Find(clip.Inputs[0]!.Name)!;
            Assert.Equal(0, range.ZeroPoints[0]);
            Assert.InRange(range.Max!.Value, 0f, max);
            Assert.DoesNotContain(quantized.Graph.Nodes, n => n.OpType == "Clip");
            Assert.DoesNotContain(quantized.Graph.Initializers, t => t.Name is "clip_min" or "clip_max");

            var ops = OrtOptimizedOps(quantized, out var fused);
            using (fused)
            {
                output.WriteLine($"Clip(0, {max}) opset {opset}: ORT graph {string.Join(", ", ops)}");
                Assert.Equal(2, ops.Count(o => o == "QLinearConv"));
                Assert.DoesNotContain("Clip", ops);
            }
            AssertAgrees(model, quantized);
        }
    }

    [Fact]
    public void ClipThatCutsInsideTheQuantizedRange_StaysInTheGraph()
    {
        // A lower bound above zero is not a no-op after quantization (the range always includes zero), so it must run.
        using var model = ClipChain(13, min: 0.25f, max: 6f);
        var (quantized, plan) = Quantize(model);
        using (quantized)
        {
            Assert.DoesNotContain(model.Graph.Nodes.Single(n => n.OpType == "Clip").Name, plan.FoldedActivations);
            Assert.Single(quantized.Graph.Nodes, n => n.OpType == "Clip");
            AssertAgrees(model, quantized);
        }
    }

    [Fact]
    public void SymmetricActivations_KeepTheClip()
    {
        using var model = ClipChain(13, min: 0f, max: 6f);
        var (quantized, plan) = Quantize(model, new QdqOptions { ActivationType = QuantizedPrecision.Int8, SymmetricActivations = true });
        using (quantized)
        {
            Assert.Empty(plan.FoldedActivations);
            Assert.Single(quantized.Graph.Nodes, n => n.OpType == "Clip");
        }
    }

    /// <summary>
    /// The tolerance comes from the quantization: the last Conv/Gemm reads a tensor quantized with scale <c>s</c>; if
    /// every element of it is off by at most 4 steps (half a step of its own rounding plus what earlier layers carried
    /// in), the float output moves by at most <c>4 s ‖W‖₁</c> (largest row sum of the last weight's magnitudes), plus
    /// the last weight's own int8 rounding, which 25% headroom covers.
    /// </summary>
    private void AssertAgrees(Model reference, Model quantized)
    {
        var last = quantized.Graph.Nodes.Last(n => n.OpType is "Conv" or "Gemm");
        var scale = last.Inputs[0]!.Producer!.Inputs[1]!.Initializer!.ToSingleArray()[0];
        var w = reference.Graph.Nodes.Single(n => n.Name == last.Name).Inputs[1]!.Initializer!;
        var values = w.ToSingleArray();
        var rowLength = values.Length / (int)w.Dims[0];
        var rowL1 = Enumerable.Range(0, (int)w.Dims[0]).Max(r => values.AsSpan(r * rowLength, rowLength).ToArray().Sum(MathF.Abs));
        var tolerance = 1.25 * 4 * scale * rowL1;

        // The calibration inputs themselves: nothing falls outside a calibrated range, so what remains is rounding.
        var inputs = CalibrationInputs(reference).ToList();
        var report = ModelEquivalence.Compare(reference, quantized, inputs,
            new SessionSettings { Optimization = GraphOptimization.Extended, IntraOpThreads = 1 });
        output.WriteLine($"max abs error {report.MaxAbsError:G4} (tolerance {tolerance:G4}, {report.MaxAbsError / tolerance:P0} of it), cosine {report.Outputs[0].Cosine:F5}");
        Assert.InRange(report.MaxAbsError, 0, tolerance);
        Assert.InRange(report.Outputs[0].Cosine, 0.995, 1.0 + 1e-9);
    }

    private static (Model Quantized, QuantizationPlan Plan) Quantize(Model model, QdqOptions? options = null)
    {
        var ranges = Calibrator.Calibrate(model, CalibrationInputs(model)).Ranges;
        var plan = QdqQuantizer.CreatePlan(model, ranges, options);
        var quantized = model.Clone();
        QdqQuantizer.Apply(quantized, plan);
        return (quantized, plan);
    }

    private static IEnumerable<IReadOnlyDictionary<string, Tensor>> CalibrationInputs(Model model) =>
        Enumerable.Range(0, 8).Select(s => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(model, s));

    /// <summary>Op types of ONNX Runtime's optimized graph (CPU, extended level), saved to a file and loaded back.</summary>
    private static List<string> OrtOptimizedOps(Model model, out Model fused)
    {
        using var dir = new TempDir();
        var path = dir.File("ort-optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = path })
        using (new InferenceSession(model.ToBytes(), options)) { }
        fused = Model.Load(path);
        return fused.Graph.Nodes.Select(n => n.OpType).ToList();
    }

    /// <summary>x[1,4,8,8] → Conv → <paramref name="op"/> → Conv → Conv (→ float output).</summary>
    private static Model Chain(string op, long opset)
    {
        var b = new GraphBuilder(op.ToLowerInvariant() + "_chain", opset);
        var rng = new Random(7);
        var x = b.Input("x", DataType.Float, 1, 4, 8, 8);
        var a = Conv(b, rng, x, 4, Channels, 3);
        var (mid, channels) = op switch
        {
            "ConvTranspose" => (b.Op("ConvTranspose", [a, Weight(b, rng, [Channels, 4, 2, 2], Channels * 4), Bias(b, rng, 4)],
                ("strides", new long[] { 2, 2 })), 4),
            "MatMul" => (b.Op("MatMul", [a, Weight(b, rng, [8, 8], 8)]), Channels),
            "Add" => (b.Op("Relu", [b.Op("Add", [a, Conv(b, rng, x, 4, Channels, 1)])]), Channels),
            "Mul" => (b.Op("Mul", [a, Conv(b, rng, x, 4, Channels, 1)]), Channels),
            "Concat" => (b.Op("Concat", [a, Conv(b, rng, x, 4, Channels, 1)], ("axis", 1L)), 2 * Channels),
            "AveragePool" => (b.Op("AveragePool", [a], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })), Channels),
            "GlobalAveragePool" => (b.Op("GlobalAveragePool", [a]), Channels),
            "MaxPool" => (b.Op("MaxPool", [a], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })), Channels),
            "Resize" => (b.Op("Resize", [a, null, b.Initializer("scales", new[] { 1f, 1f, 2f, 2f }, 4)], ("mode", "nearest")), Channels),
            "Reshape" => (b.Op("Reshape", [a, b.Initializer("shape", new long[] { 1, 2 * Channels, 4, 8 }, 4)]), 2 * Channels),
            "Transpose" => (b.Op("Transpose", [a], ("perm", new long[] { 0, 1, 3, 2 })), Channels),
            "SqueezeUnsqueeze" => (b.Op("Squeeze", [b.Op("Unsqueeze", [a, b.Initializer("axes", new long[] { 2 }, 1)]), b.Initializer("axes2", new long[] { 2 }, 1)]), Channels),
            "Slice" => (b.Op("Slice", [a, b.Initializer("starts", new long[] { 2 }, 1), b.Initializer("ends", new long[] { 6 }, 1), b.Initializer("axes", new long[] { 2 }, 1)]), Channels),
            "Gather" => (b.Op("Gather", [a, b.Initializer("indices", new long[] { 0, 2, 4, 6 }, 4)], ("axis", 1L)), 4),
            "Flatten" => (b.Op("Flatten", [a], ("axis", 1L)), -1),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
        };
        if (channels < 0)
        {
            // Flatten feeds fully connected layers instead of convolutions.
            var fc = b.Op("Gemm", [mid, Weight(b, rng, [16, Channels * 64], Channels * 64), Bias(b, rng, 16)], ("transB", 1L));
            b.Output(b.Op("Gemm", [b.Op("Relu", [fc]), Weight(b, rng, [10, 16], 16), Bias(b, rng, 10)], ("transB", 1L)), "y");
        }
        else
        {
            b.Output(Conv(b, rng, b.Op("Relu", [Conv(b, rng, mid, channels, Channels, 3)]), Channels, 4, 1), "y");
        }
        return b.Build();
    }

    /// <summary>x → Conv → Clip(min, max) → Conv → Conv; bounds as inputs from opset 11 (an infinite max as an absent input), as attributes before.</summary>
    private static Model ClipChain(long opset, float min, float max)
    {
        var b = new GraphBuilder($"clip{opset}_chain", opset);
        var rng = new Random(11);
        var x = b.Input("x", DataType.Float, 1, 4, 8, 8);
        var a = Conv(b, rng, x, 4, Channels, 3);
        var clipped = opset >= 11
            ? b.Op("Clip", float.IsPositiveInfinity(max)
                ? [a, b.Initializer("clip_min", new[] { min })]
                : [a, b.Initializer("clip_min", new[] { min }), b.Initializer("clip_max", new[] { max })])
            : b.Op("Clip", [a], ("min", min), ("max", max));
        b.Output(Conv(b, rng, Conv(b, rng, clipped, Channels, Channels, 3), Channels, 4, 1), "y");
        return b.Build();
    }

    private static Value Conv(GraphBuilder b, Random rng, Value x, int cin, int cout, int k) =>
        b.Op("Conv", [x, Weight(b, rng, [cout, cin, k, k], cin * k * k), Bias(b, rng, cout)],
            ("pads", new long[] { k / 2, k / 2, k / 2, k / 2 }));

    private static Value Weight(GraphBuilder b, Random rng, long[] dims, int fanIn)
    {
        var count = (int)dims.Aggregate(1L, (p, d) => p * d);
        var bound = MathF.Sqrt(3f / fanIn);
        return b.Initializer(b.Fresh("w"), Enumerable.Range(0, count).Select(_ => (rng.NextSingle() * 2 - 1) * bound).ToArray(), dims);
    }

    private static Value Bias(GraphBuilder b, Random rng, int n) =>
        b.Initializer(b.Fresh("b"), Enumerable.Range(0, n).Select(_ => (rng.NextSingle() - 0.5f) * 0.2f).ToArray(), n);
}
