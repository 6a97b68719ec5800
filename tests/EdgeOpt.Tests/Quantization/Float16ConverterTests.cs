using System.Globalization;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Quantization;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Quantization;

public class Float16ConverterTests(ITestOutputHelper output)
{
    private static readonly float[] Weights = [0.5f, -1.25f, 2f, 0.125f, -0.75f, 1.5f, 0.25f, -2f];

    /// <summary>x[1,4] → MatMul(W[4,2]) → Add(B[2]) → Relu → y[1,2].</summary>
    private static Model SmallNet(out string reluName)
    {
        var b = new GraphBuilder("small", opset: 17);
        var x = b.Input("x", DataType.Float, 1, 4);
        var w = b.Initializer("W", Weights, 4, 2);
        var bias = b.Initializer("B", new[] { 0.1f, -0.2f }, 2);
        var sum = b.Op("Add", [b.Op("MatMul", [x, w]), bias]);
        var relu = b.AddNode("Relu", [sum]);
        reluName = relu.Name;
        b.Output(relu.Outputs[0], "y", new TensorType(DataType.Float, new TensorShape([1, 2])));
        return b.Build();
    }

    [Fact]
    public void Default_conversion_makes_every_float_value_and_weight_float16_without_casts()
    {
        var model = SmallNet(out _);
        var report = Float16Converter.Convert(model);

        Assert.Equal(DataType.Float16, model.Graph.Inputs.Single().ElementType);
        Assert.Equal(DataType.Float16, model.Graph.Outputs.Single().ElementType);
        Assert.Equal("y", model.Graph.Outputs.Single().Name);
        Assert.All(model.Graph.Initializers, v => Assert.Equal(DataType.Float16, v.Initializer!.DataType));
        Assert.All(model.Graph.Nodes.SelectMany(n => n.Outputs), v => Assert.Equal(DataType.Float16, v.ElementType));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "Cast");
        Assert.Equal(2, report.TensorsConverted);
        Assert.Equal(40, report.WeightBytesBefore);
        Assert.Equal(20, report.WeightBytesAfter);
        Assert.Empty(report.BlockedNodes);

        // ORT runs it in float16: y = relu(x·W + B) for x = [1, 2, 3, 4] is [3.25 + 0.1, max(0, -4.5 - 0.2)] = [3.35 ± fp16 rounding, 0].
        var y = RunSingle(model, Tensor.Create("x", new[] { (Half)1, (Half)2, (Half)3, (Half)4 }, 1, 4));
        Assert.Equal(DataType.Float16, y.DataType);
        var values = y.ToSingleArray();
        Assert.Equal(3.35f, values[0], 0.01f);
        Assert.Equal(0f, values[1]);
    }

    [Fact]
    public void KeepIoTypes_keeps_float_inputs_and_outputs_behind_boundary_casts()
    {
        var reference = SmallNet(out _);
        var model = SmallNet(out _);
        var report = Float16Converter.Convert(model, new Float16Options { KeepIoTypes = true });

        var input = model.Graph.Inputs.Single();
        var result = model.Graph.Outputs.Single();
        Assert.Equal(("x", DataType.Float), (input.Name, input.ElementType));
        Assert.Equal(("y", DataType.Float), (result.Name, result.ElementType));
        var inCast = Assert.Single(input.Uses).Node;
        Assert.Equal("Cast", inCast.OpType);
        Assert.Equal((long)DataType.Float16, inCast.Attributes.GetInt("to", 0));
        var outCast = result.Producer!;
        Assert.Equal("Cast", outCast.OpType);
        Assert.Equal((long)DataType.Float, outCast.Attributes.GetInt("to", 0));
        Assert.Equal(DataType.Float16, outCast.Inputs[0]!.ElementType);
        Assert.Equal(2, report.CastsInserted);

        var fidelity = ModelEquivalence.Compare(reference, model, samples: 4).Outputs.Single();
        Assert.True(fidelity.MaxRelativeError < 2e-3, $"max relative error {fidelity.MaxRelativeError}");
    }

    [Fact]
    public void Blocked_operator_stays_float32_with_casts_around_it()
    {
        var reference = SmallNet(out var reluName);
        var model = SmallNet(out _);
        var blockRelu = new HashSet<string>(Float16Options.DefaultOpBlockList, StringComparer.Ordinal) { "Relu" };
        var report = Float16Converter.Convert(model, new Float16Options { KeepIoTypes = true, OpBlockList = blockRelu });

        var relu = model.Graph.Nodes.Single(n => n.OpType == "Relu");
        Assert.Equal([$"'{reluName}' (Relu)"], report.BlockedNodes);
        Assert.Equal(DataType.Float, relu.Inputs[0]!.ElementType);
        Assert.Equal("Cast", relu.Inputs[0]!.Producer!.OpType);
        Assert.Equal(DataType.Float16, relu.Inputs[0]!.Producer!.Inputs[0]!.ElementType);
        // The blocked node's float32 output is the float32 graph output: no cast needed there.
        Assert.Same(relu.Outputs[0], model.Graph.Outputs.Single());
        Assert.Equal(DataType.Float, relu.Outputs[0].ElementType);
        Assert.Equal("y", relu.Outputs[0].Name);

        var fidelity = ModelEquivalence.Compare(reference, model, samples: 4).Outputs.Single();
        Assert.True(fidelity.MaxRelativeError < 2e-3, $"max relative error {fidelity.MaxRelativeError}");
    }

    [Fact]
    public void Default_block_list_keeps_TopK_float32_and_the_model_still_runs()
    {
        Model Build()
        {
            var b = new GraphBuilder("topk", opset: 17);
            var x = b.Input("x", DataType.Float, 1, 6);
            var scaled = b.Op("Mul", [x, b.Initializer("scale", new[] { 2f }, 1)]);
            var topK = b.AddNode("TopK", [scaled, b.Initializer("k", new[] { 3L }, 1)], outputCount: 2, name: "top3", outputNames: ["values", "indices"]);
            b.Output(topK.Outputs[0], type: new TensorType(DataType.Float, new TensorShape([1, 3])));
            b.Output(topK.Outputs[1], type: new TensorType(DataType.Int64, new TensorShape([1, 3])));
            return b.Build();
        }
        var reference = Build();
        var model = Build();

        var report = Float16Converter.Convert(model, new Float16Options { KeepIoTypes = true });

        Assert.Contains("TopK", Float16Options.DefaultOpBlockList);
        Assert.Equal(["'top3' (TopK)"], report.BlockedNodes);
        var topK = model.Graph.Nodes.Single(n => n.OpType == "TopK");
        Assert.Equal(DataType.Float, topK.Inputs[0]!.ElementType);
        Assert.Equal(DataType.Float16, model.Graph.Nodes.Single(n => n.OpType == "Mul").Outputs[0].ElementType);
        Assert.Equal(DataType.Float16, model.Graph.Initializers.Single(v => v.Name == "scale").Initializer!.DataType);
        var fidelity = ModelEquivalence.Compare(reference, model, samples: 4);
        Assert.Equal(0, fidelity.Outputs.Single(o => o.Name == "indices").MaxAbsError);
        Assert.True(fidelity.Outputs.Single(o => o.Name == "values").MaxRelativeError < 2e-3);
    }

    [Fact]
    public void Constant_and_ConstantOfShape_payloads_become_float16()
    {
        Model Build()
        {
            var b = new GraphBuilder("constants", opset: 17);
            var x = b.Input("x", DataType.Float, 4);
            var half = b.Op("Constant", [], ("value_float", 0.5f));
            var zeros = b.Op("ConstantOfShape", [b.Initializer("shape", new[] { 4L }, 1)]);
            b.Output(b.Op("Add", [b.Op("Mul", [x, half]), zeros]), "y");
            return b.Build();
        }
        var reference = Build();
        var model = Build();

        var report = Float16Converter.Convert(model, new Float16Options { KeepIoTypes = true });

        var constant = model.Graph.Nodes.Single(n => n.OpType == "Constant");
        var value = Assert.IsType<Tensor>(constant.Attributes["value"]!.Value);
        Assert.Equal((DataType.Float16, 0.5f), (value.DataType, value.ToSingleArray().Single()));
        Assert.False(constant.Attributes.Contains("value_float"));
        var fill = Assert.IsType<Tensor>(model.Graph.Nodes.Single(n => n.OpType == "ConstantOfShape").Attributes["value"]!.Value);
        Assert.Equal(DataType.Float16, fill.DataType);
        Assert.Equal(1, report.TensorsConverted);
        Assert.Equal(0, ModelEquivalence.Compare(reference, model, samples: 2).MaxRelativeError, 1e-3);
    }

    [Fact]
    public void Weights_outside_float16_range_are_clamped_and_tiny_ones_flushed_and_counted()
    {
        var b = new GraphBuilder("clamp", opset: 17);
        var x = b.Input("x", DataType.Float, 5);
        // Added like an attention mask: clamping to ±65504 keeps its meaning. (A product by such a scale stays float32, see below.)
        var w = b.Initializer("W", new[] { 1e6f, -70000f, 1e-9f, 0.5f, float.NegativeInfinity }, 5);
        b.Output(b.Op("Add", [x, w]), "y");
        var model = b.Build();

        var report = Float16Converter.Convert(model);

        Assert.Equal(3, report.ClampedValues);
        Assert.Equal(1, report.FlushedValues);
        var stored = model.Graph.Initializers.Single().Initializer!;
        Assert.Equal(DataType.Float16, stored.DataType);
        Assert.Equal(new[] { 65504f, -65504f, 0f, 0.5f, -65504f }, stored.ToSingleArray());
    }

    [Fact]
    public void Product_by_a_scale_beyond_float16_range_stays_float32_until_a_log_brings_it_back()
    {
        // log(1 + 2^20 · |x|): in float16 the scale would clamp to 65504 and the product overflow, so Mul, Add and Log
        // stay float32 with their producers (Abs) and the unclamped scale; the Relu after the Log is float16 again.
        var b = new GraphBuilder("log1p", opset: 17);
        var x = b.Input("x", DataType.Float, 4);
        var magnitude = b.AddNode("Abs", [x], name: "abs").Outputs[0];
        var scaled = b.AddNode("Mul", [magnitude, b.Initializer("scale", new[] { 1048576f }, 1)], name: "scale_up").Outputs[0];
        var shifted = b.AddNode("Add", [scaled, b.Initializer("one", new[] { 1f }, 1)], name: "plus_one").Outputs[0];
        var log = b.AddNode("Log", [shifted], name: "log").Outputs[0];
        b.Output(b.AddNode("Relu", [log], name: "relu").Outputs[0], "y");
        var model = b.Build();
        var input = Tensor.Create("x", new[] { 1e-7f, 3e-6f, 0.01f, 0.5f }, 4);
        var expected = RunSingle(model, input).ToSingleArray();

        var report = Float16Converter.Convert(model, new Float16Options { KeepIoTypes = true });

        Assert.Equal(["abs", "scale_up", "plus_one", "log"], report.LeftInFloat.Select(e => e.Node));
        Assert.Contains("beyond float16's range", report.LeftInFloat[1].Reason, StringComparison.Ordinal);
        Assert.Equal(0, report.ClampedValues);
        Assert.Equal(DataType.Float16, model.Graph.Nodes.Single(n => n.Name == "relu").Outputs[0].ElementType);
        var actual = RunSingle(model, input).ToSingleArray();
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.01, $"y[{i}] = {actual[i]}, float32 gives {expected[i]}");
    }

    [Fact]
    public void Float16_to_float32_to_float16_cast_pair_is_removed()
    {
        // x: float16 → Cast(to float) [kept float32 by the node block list] → Relu: the conversion would put a Cast
        // back to float16 after it, and the pair collapses so Relu reads x directly.
        var b = new GraphBuilder("casts", opset: 17);
        var x = b.Input("x", DataType.Float16, 3);
        var widen = b.AddNode("Cast", [x], name: "widen", attributes: ("to", (long)DataType.Float));
        b.Output(b.Op("Relu", [widen.Outputs[0]]), "y");
        var model = b.Build();

        var report = Float16Converter.Convert(model, new Float16Options { NodeBlockList = new HashSet<string> { "widen" } });

        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "Cast");
        Assert.Same(x, model.Graph.Nodes.Single().Inputs[0]);
        Assert.Equal(1, report.CastsInserted);
        Assert.Equal(2, report.CastsRemoved);
        Assert.Equal(DataType.Float16, model.Graph.Outputs.Single().ElementType);
        using var session = SessionFactory.Create(model);
        Assert.Single(session.OutputMetadata);
    }

    [Fact]
    public void Demo_model_in_float16_agrees_with_float32_on_random_and_real_images()
    {
        var reference = Model.Parse(DemoAssets.ModelBytes());
        var model = Model.Parse(DemoAssets.ModelBytes());
        var report = Float16Converter.Convert(model, new Float16Options { KeepIoTypes = true });

        Assert.Equal(DataType.Float, model.Graph.Inputs.Single(i => !i.IsInitializer).ElementType);
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Initializer!.DataType == DataType.Float);
        var input = reference.Graph.Inputs.Single(i => !i.IsInitializer).Name;
        var test = DemoAssets.TestSet();
        var random = Enumerable.Range(0, 8).Select(seed => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(reference, seed));
        var real = Enumerable.Range(0, 100).Select(i => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [input] = Tensor.Create(input, test.Image(i * 7).ToArray().Select(p => p / 255f).ToArray(), 1, 1, test.Rows, test.Cols),
        });
        var equivalence = ModelEquivalence.Compare(reference, model, random.Concat(real).ToList());
        var fidelity = equivalence.Outputs[0];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"demo fp16: {report.TensorsConverted} tensors, {report.WeightBytesBefore} → {report.WeightBytesAfter} bytes, blocked [{string.Join(", ", report.BlockedNodes)}], cosine {fidelity.Cosine:F6}, top-1 {fidelity.Top1Agreement:P1}, max rel {fidelity.MaxRelativeError:g3}"));
        Assert.True(fidelity.Cosine >= 0.9999, $"cosine {fidelity.Cosine}");
        Assert.True(fidelity.Top1Agreement >= 0.99, $"top-1 agreement {fidelity.Top1Agreement}");
    }

    [Fact]
    public void ResNet18_in_float16_is_half_the_size_and_agrees_with_float32()
    {
        using var temp = new TempDir();
        using var reference = Model.Load(Fixtures.ResNet18);
        using var model = Model.Load(Fixtures.ResNet18);
        ModelOptimizer.Optimize(model, new OptimizationOptions { Level = PassLevel.Extended, TargetOpset = 17 });

        var report = Float16Converter.Convert(model, new Float16Options { KeepIoTypes = true });
        var fp16Path = temp.File("fp16.onnx");
        model.Save(fp16Path);

        var ratio = (double)new FileInfo(fp16Path).Length / new FileInfo(Fixtures.ResNet18).Length;
        var inputs = Enumerable.Range(0, 3).Select(seed => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(reference, seed)
            .ToDictionary(kv => kv.Key, kv => Tensor.Create(kv.Key, kv.Value.ToSingleArray().Select(v => v * 64f).ToArray(), [.. kv.Value.Dims]), StringComparer.Ordinal)).ToList();
        var fidelity = ModelEquivalence.Compare(reference, model, inputs).Outputs.Single();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ResNet18 fp16: {new FileInfo(Fixtures.ResNet18).Length} → {new FileInfo(fp16Path).Length} bytes ({ratio:P1}), {report.TensorsConverted} tensors, clamped {report.ClampedValues}, flushed {report.FlushedValues}, casts {report.CastsInserted}, cosine {fidelity.Cosine:F6}, max rel {fidelity.MaxRelativeError:g3}"));
        Assert.True(ratio <= 0.51, $"fp16 file is {ratio:P1} of the fp32 file");
        Assert.True(fidelity.Cosine >= 0.9999, $"cosine {fidelity.Cosine}");
        Assert.Null(OnnxChecker.Check(fp16Path));
    }

    private static Tensor RunSingle(Model model, Tensor input)
    {
        using var session = SessionFactory.Create(model);
        using var value = OrtTensors.ToOrtValue(input);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [input.Name], [value], session.OutputMetadata.Keys.ToList());
        return OrtTensors.ToTensor(results[0]);
    }
}
