using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeOpt.Onnx;
using EdgeOpt.Pruning;
using EdgeOpt.Pruning.Internal;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Quantization;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static System.FormattableString;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Pruning;

/// <summary>
/// <see cref="ChannelReconstruction"/> on models pruned by hand (the structured engine is another part of issue 14):
/// output channels of a producer removed with its BatchNormalization entries and the matching input channels of its
/// consumer, then the consumer refit on calibration data. The consumer's own error must fall and the model's final
/// output must get closer to the unpruned model's on inputs the fit never saw.
/// </summary>
public sealed class ReconstructionTests(ITestOutputHelper output)
{
    [Fact]
    public void Conv_bn_relu_conv_consumer_is_refit_and_the_output_recovers()
    {
        using var original = ConvChain(seed: 1);
        var keep = Enumerable.Range(0, 16).Where(c => c % 3 != 1).ToArray(); // 11 of 16 channels
        using var pruned = original.Clone();
        RemoveOutputChannels(pruned, "conv1", keep);
        var consumers = new[] { new PrunedConsumer("conv2_out", keep, null) };
        var calibration = RandomSamples(pruned, "x", [1, 3, 12, 12], count: 48, seed: 10);
        var heldOut = RandomSamples(pruned, "x", [1, 3, 12, 12], count: 16, seed: 99);
        var before = MeanCosine(original, pruned, heldOut);

        var report = ChannelReconstruction.Apply(original, pruned, consumers, calibration, null, CancellationToken.None);

        var after = MeanCosine(original, pruned, heldOut);
        var layer = Assert.Single(report.Layers);
        output.WriteLine(Invariant($"conv2 error {layer.RelativeErrorBefore:F4} → {layer.RelativeErrorAfter:F4}; output cosine {before:F4} → {after:F4}"));
        Assert.True(layer.RelativeErrorAfter < 0.7 * layer.RelativeErrorBefore, "the refit should cut the consumer's error by at least 30 %");
        Assert.True(1 - after < 0.7 * (1 - before), Invariant($"held-out 1−cosine {1 - after:F4} is not 30 % below {1 - before:F4}"));
        Assert.Equal(48, report.Samples);
        Assert.Empty(GraphInvariants.Find(pruned));
    }

    [Fact]
    public void Flatten_gemm_consumer_is_refit_on_the_expanded_features()
    {
        using var original = FlattenGemm(seed: 2);
        var keptChannels = new[] { 0, 2, 3, 5, 7 };
        using var pruned = original.Clone();
        RemoveOutputChannels(pruned, "conv", keptChannels);
        // Each channel is a block of 4×4 = 16 features of the flattened input of the Gemm.
        var keptFeatures = keptChannels.SelectMany(c => Enumerable.Range(c * 16, 16)).ToArray();
        SliceInputs(pruned, "gemm", keptFeatures, gemm: true);
        // A Gemm sees one row per sample: give it several times more samples than its 81 columns.
        var calibration = RandomSamples(pruned, "x", [1, 3, 6, 6], count: 400, seed: 20);
        var heldOut = RandomSamples(pruned, "x", [1, 3, 6, 6], count: 16, seed: 77);
        var before = MeanCosine(original, pruned, heldOut);

        var report = ChannelReconstruction.Apply(original, pruned, [new PrunedConsumer("gemm_out", keptFeatures, null)], calibration, null, CancellationToken.None);

        var after = MeanCosine(original, pruned, heldOut);
        var layer = Assert.Single(report.Layers);
        output.WriteLine(Invariant($"gemm error {layer.RelativeErrorBefore:F4} → {layer.RelativeErrorAfter:F4}; output cosine {before:F4} → {after:F4}"));
        Assert.True(layer.RelativeErrorAfter < layer.RelativeErrorBefore);
        Assert.True(after > before, Invariant($"held-out cosine {after:F4} did not improve on {before:F4}"));
    }

    [Fact]
    public void Grouped_conv_consumer_is_skipped_with_a_reason_and_its_batch_norm_recalibrated()
    {
        using var original = DepthwiseChain(seed: 3);
        var keep = new[] { 0, 1, 3, 4, 6, 7 };
        using var pruned = original.Clone();
        RemoveOutputChannels(pruned, "conv1", keep);
        // The depthwise Conv loses the same channels (group shrinks with them), and its BatchNormalization too.
        SliceOutputs(pruned, "dw", keep);
        SetGroup(pruned, "dw", keep.Length);
        var calibration = RandomSamples(pruned, "x", [1, 3, 8, 8], count: 32, seed: 30);

        var report = ChannelReconstruction.Apply(original, pruned, [new PrunedConsumer("dw_out", keep, keep)], calibration, null, CancellationToken.None);

        Assert.Empty(report.Layers);
        Assert.Contains(report.Skipped, s => s.Contains("grouped Conv", StringComparison.Ordinal));
        Assert.Equal(1, report.BatchNormsRecalibrated);
        using var session = SessionFactory.Create(pruned);
        Assert.NotNull(session);
    }

    /// <summary>
    /// ResNet18 with the inner channels of every basic block halved (nine Conv pairs) (the first Conv of each block loses half its filters
    /// by L1 norm, with its BatchNormalization entries, and the second Conv the matching inputs): reconstruction on
    /// 100 crops of ten photos must lower every refit layer's error and bring the features on crops of the other six
    /// photos clearly closer to FP32. The time is printed (the budget is 60 s for a whole prune on 2 cores).
    /// </summary>
    [Fact]
    public void ResNet18_with_halved_blocks_recovers_on_held_out_photos()
    {
        using var original = Model.Load(Fixtures.ResNet18);
        using var pruned = original.Clone();
        var input = original.Graph.Inputs.Single(i => !i.IsInitializer).Name;
        var consumers = new List<PrunedConsumer>();
        foreach (var (first, second) in BlockPairs(pruned))
        {
            var keep = LowestL1Removed(first, 0.5);
            RemoveOutputChannels(pruned, first.Name, keep);
            consumers.Add(new PrunedConsumer(second.Outputs[0].Name, keep, null));
        }
        Assert.Equal(9, consumers.Count);
        IReadOnlyList<IReadOnlyDictionary<string, Tensor>> calibration, heldOut;
        using (var crops = new NaturalCropSource(Fixtures.ResNet18, input, 100, seed: 3_000, PhotoCrops.CalibrationPhotos))
            calibration = Enumerable.Range(0, crops.Count).Select(crops.Read).ToList();
        using (var crops = new NaturalCropSource(Fixtures.ResNet18, input, 24, seed: 30_000, PhotoCrops.HeldOutPhotos))
            heldOut = Enumerable.Range(0, crops.Count).Select(crops.Read).ToList();
        var before = MeanCosine(original, pruned, heldOut);

        var clock = Stopwatch.StartNew();
        var report = ChannelReconstruction.Apply(original, pruned, consumers, calibration, null, CancellationToken.None);
        clock.Stop();

        var after = MeanCosine(original, pruned, heldOut);
        foreach (var layer in report.Layers)
            output.WriteLine(Invariant($"{layer.Node}: {layer.RelativeErrorBefore:F4} → {layer.RelativeErrorAfter:F4}"));
        output.WriteLine(Invariant($"held-out cosine {before:F4} → {after:F4}; reconstruction of {report.Layers.Count} layers on 100 crops took {clock.Elapsed.TotalSeconds:F1} s on {Environment.ProcessorCount} cores"));
        Assert.Equal(consumers.Count, report.Layers.Count);
        Assert.All(report.Layers, l => Assert.True(l.RelativeErrorAfter < l.RelativeErrorBefore, l.Node));
        // Measured: 0.38 → 0.59 (1−cosine 34 % lower). Halving every block is far harsher than the 0.75× MACs;
        // the public-API test of that target is StructuredModelTests.ResNet18_at_three_quarters_of_its_macs_recovers_with_reconstruction.
        Assert.True(after > before + 0.1, Invariant($"held-out cosine {before:F4} → {after:F4}: reconstruction should recover clearly"));
        Assert.True(1 - after < 0.75 * (1 - before), Invariant($"held-out 1−cosine {1 - after:F4} is not 25 % below {1 - before:F4}"));
    }

    // ---- models and hand pruning ----

    private static Model ConvChain(int seed)
    {
        var random = new Random(seed);
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 1, 3, 12, 12);
        var c1 = Conv(b, random, "conv1", x, 16, 3, 3);
        var bn = BatchNorm(b, random, "bn1", c1, 16);
        var r = b.Op("Relu", [bn]);
        var c2 = Conv(b, random, "conv2", r, 8, 16, 3);
        var r2 = b.Op("Relu", [c2]);
        var pool = b.Op("GlobalAveragePool", [r2]);
        b.Output(pool, "y");
        return b.Build();
    }

    private static Model FlattenGemm(int seed)
    {
        var random = new Random(seed);
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 1, 3, 6, 6);
        var c = Conv(b, random, "conv", x, 8, 3, 3, pad: 0);
        var r = b.Op("Relu", [c]);
        var flat = b.Op("Flatten", [r], ("axis", 1L));
        var w = b.Initializer("gemm_w", Gaussian(random, 10 * 128, 0.1f), 10, 128);
        var bias = b.Initializer("gemm_b", Gaussian(random, 10, 0.1f), 10);
        var node = b.AddNode("Gemm", [flat, w, bias], name: "gemm", outputNames: ["gemm_out"]);
        node.Attributes.Set(OnnxAttribute.Int("transB", 1));
        b.Output(node.Outputs[0]);
        return b.Build();
    }

    private static Model DepthwiseChain(int seed)
    {
        var random = new Random(seed);
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 1, 3, 8, 8);
        var c1 = Conv(b, random, "conv1", x, 8, 3, 3);
        var r = b.Op("Relu", [c1]);
        var dw = Conv(b, random, "dw", r, 8, 1, 3, group: 8);
        var bn = BatchNorm(b, random, "bn_dw", dw, 8);
        var pool = b.Op("GlobalAveragePool", [b.Op("Relu", [bn])]);
        b.Output(pool, "y");
        return b.Build();
    }

    private static Value Conv(GraphBuilder b, Random random, string name, Value input, int outputs, int inputsPerGroup, int kernel, int group = 1, int pad = 1)
    {
        var w = b.Initializer(name + "_w", Gaussian(random, outputs * inputsPerGroup * kernel * kernel, (float)Math.Sqrt(2.0 / (inputsPerGroup * kernel * kernel))), outputs, inputsPerGroup, kernel, kernel);
        var bias = b.Initializer(name + "_b", Gaussian(random, outputs, 0.1f), outputs);
        var node = b.AddNode("Conv", [input, w, bias], name: name, outputNames: [name + "_out"]);
        node.Attributes.Set(OnnxAttribute.Ints("pads", pad, pad, pad, pad));
        if (group > 1) node.Attributes.Set(OnnxAttribute.Int("group", group));
        return node.Outputs[0];
    }

    private static Value BatchNorm(GraphBuilder b, Random random, string name, Value input, int channels)
    {
        var scale = b.Initializer(name + "_scale", Gaussian(random, channels, 0.2f).Select(v => 1 + v).ToArray(), channels);
        var shift = b.Initializer(name + "_shift", Gaussian(random, channels, 0.2f), channels);
        var mean = b.Initializer(name + "_mean", Gaussian(random, channels, 0.3f), channels);
        var variance = b.Initializer(name + "_var", Gaussian(random, channels, 0.3f).Select(v => 1 + Math.Abs(v)).ToArray(), channels);
        var node = b.AddNode("BatchNormalization", [input, scale, shift, mean, variance], name: name);
        return node.Outputs[0];
    }

    private static float[] Gaussian(Random random, int count, float scale) =>
        Enumerable.Range(0, count).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * scale)).ToArray();

    private static List<IReadOnlyDictionary<string, Tensor>> RandomSamples(Model model, string input, long[] shape, int count, int seed)
    {
        var random = new Random(seed);
        var size = (int)shape.Aggregate(1L, (a, v) => a * v);
        return Enumerable.Range(0, count).Select(_ => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor>
        {
            [input] = Tensor.Create<float>(input, Gaussian(random, size, 1f), shape),
        }).ToList();
    }

    /// <summary>Conv A → BN → Relu → Conv B inside each basic block (A's output channels are tied to nothing else).</summary>
    private static List<(Node First, Node Second)> BlockPairs(Model model)
    {
        var pairs = new List<(Node, Node)>();
        foreach (var conv in model.Graph.Nodes.Where(n => n.OpType == "Conv"))
        {
            if (conv.Outputs[0].Uses is not [{ Node: { OpType: "BatchNormalization" } bn }]) continue;
            if (bn.Outputs[0].Uses is not [{ Node: { OpType: "Relu" } relu }]) continue;
            if (relu.Outputs[0].Uses is not [{ Node: { OpType: "Conv" } next }]) continue;
            pairs.Add((conv, next));
        }
        return pairs;
    }

    private static int[] LowestL1Removed(Node conv, double fraction)
    {
        var w = conv.Inputs[1]!.Initializer!;
        var outputs = (int)w.Dims[0];
        var per = (int)(w.ElementCount / outputs);
        var values = w.ToSingleArray();
        var norms = Enumerable.Range(0, outputs).Select(o => values.Skip(o * per).Take(per).Sum(MathF.Abs)).ToArray();
        return Enumerable.Range(0, outputs).OrderByDescending(o => norms[o]).Take(outputs - (int)(outputs * fraction)).Order().ToArray();
    }

    /// <summary>Keeps output channels <paramref name="keep"/> of the Conv named <paramref name="name"/>, its BatchNormalization (if it alone reads it) and the inputs of its Conv consumers.</summary>
    internal static void RemoveOutputChannels(Model model, string name, int[] keep)
    {
        var conv = model.Graph.Nodes.Single(n => n.Name == name);
        SliceOutputs(model, name, keep);
        var value = conv.Outputs[0];
        if (value.Uses is [{ Node: { OpType: "BatchNormalization" } bn }]) value = bn.Outputs[0];
        if (value.Uses is [{ Node: { OpType: "Relu" } relu }]) value = relu.Outputs[0];
        foreach (var use in value.Uses.ToList())
            if (use.Node.OpType == "Conv" && (use.Node.Attributes["group"]?.AsInt() ?? 1) == 1) SliceInputs(model, use.Node.Name, keep, gemm: false);
    }

    private static void SliceOutputs(Model model, string name, int[] keep)
    {
        var node = model.Graph.Nodes.Single(n => n.Name == name);
        ReplaceInput(model, node, 1, SliceAxis(node.Inputs[1]!.Initializer!, 0, keep));
        if (node.Inputs.Count > 2 && node.Inputs[2] is { Initializer: { } b }) ReplaceInput(model, node, 2, SliceAxis(b, 0, keep));
        if (node.Outputs[0].Uses is [{ Node: { OpType: "BatchNormalization" } bn }] && bn.Inputs[1]!.Initializer!.ElementCount != keep.Length)
            for (var i = 1; i < 5; i++) ReplaceInput(model, bn, i, SliceAxis(bn.Inputs[i]!.Initializer!, 0, keep));
    }

    private static void SliceInputs(Model model, string name, int[] keep, bool gemm) =>
        ReplaceInput(model, model.Graph.Nodes.Single(n => n.Name == name), 1, SliceAxis(model.Graph.Nodes.Single(n => n.Name == name).Inputs[1]!.Initializer!, 1, keep));

    private static void SetGroup(Model model, string name, int group)
    {
        var node = model.Graph.Nodes.Single(n => n.Name == name);
        node.Attributes.Set(OnnxAttribute.Int("group", group));
    }

    /// <summary>A copy of <paramref name="tensor"/> keeping indices <paramref name="keep"/> of axis <paramref name="axis"/>.</summary>
    private static Tensor SliceAxis(Tensor tensor, int axis, int[] keep)
    {
        var dims = tensor.Dims.ToArray();
        var values = tensor.ToSingleArray();
        long outer = 1, inner = 1;
        for (var i = 0; i < axis; i++) outer *= dims[i];
        for (var i = axis + 1; i < dims.Length; i++) inner *= dims[i];
        var result = new float[outer * keep.Length * inner];
        for (long o = 0; o < outer; o++)
            for (var k = 0; k < keep.Length; k++)
                Array.Copy(values, ((o * dims[axis]) + keep[k]) * inner, result, ((o * keep.Length) + k) * inner, inner);
        dims[axis] = keep.Length;
        return Tensor.FromRaw(tensor.Name, DataType.Float, dims, MemoryMarshal.AsBytes(result.AsSpan()).ToArray());
    }

    /// <summary>Points input <paramref name="index"/> of <paramref name="node"/> at a fresh initializer holding <paramref name="tensor"/>.</summary>
    private static void ReplaceInput(Model model, Node node, int index, Tensor tensor)
    {
        var graph = model.Graph;
        var old = node.Inputs[index]!;
        var name = old.Name + "_pruned";
        while (graph.Initializers.TryGet(name, out _)) name += "_";
        var value = graph.Initializers.Add(tensor.WithName(name));
        node.SetInput(index, value);
        if (old.Uses.Count == 0 && !old.IsGraphInput) graph.Initializers.Remove(old);
    }

    internal static double MeanCosine(Model reference, Model candidate, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> inputs)
    {
        var a = ResNet18QuantizationTests.Fixture.Outputs(reference, inputs);
        var b = ResNet18QuantizationTests.Fixture.Outputs(candidate, inputs);
        return a.Select((o, i) => UnstructuredResNet18Tests.Cosine(o, b[i])).Average();
    }
}
