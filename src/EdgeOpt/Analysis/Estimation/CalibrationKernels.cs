using System.Diagnostics;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Analysis.Estimation;

/// <summary>
/// The small models a host calibration times in ONNX Runtime, one per op class, built with the IR at the shapes
/// such layers have in ResNet-style CNNs and BERT-style encoders, plus two tiny chains that isolate the fixed cost
/// of a run and of a node. Each is timed as the median of repeated runs after a warm-up.
/// </summary>
internal static class CalibrationKernels
{
    private const int ChainLength = 33;

    /// <summary>One kernel: the op class its throughput stands for (null: bandwidth only), and how to build it.</summary>
    internal sealed record Kernel(string? OpClass, string Shape, Func<Model> Build);

    /// <summary>Operations (2×MACs, or FLOPs) and bytes moved, counted by <see cref="OperatorCost"/> as the estimator counts them.</summary>
    public static (long Operations, long Bytes, int Nodes) Count(Model model)
    {
        ShapeInference.Infer(model);
        var shapes = new ShapeResolver(new Dictionary<string, long>());
        long operations = 0, bytes = 0;
        foreach (var node in model.Graph.Nodes)
        {
            var cost = OperatorCost.Estimate(node, shapes);
            operations += cost.Macs > 0 ? 2 * cost.Macs : cost.Flops;
            foreach (var v in node.Inputs.Concat(node.Outputs))
                if (v is { Name.Length: > 0, ElementType: { } type } && shapes.Dims(v, out _) is { } dims) bytes += type.StorageBytes(ShapeResolver.Product(dims));
        }
        return (operations, bytes, model.Graph.Nodes.Count);
    }

    public static IReadOnlyList<Kernel> ComputeKernels { get; } =
    [
        new("conv", "Conv 3×3 64→64 ch on 28×28", () => Conv(64, 64, 28, 3, group: 1)),
        new("pointwise-conv", "Conv 1×1 128→128 ch on 28×28", () => Conv(128, 128, 28, 1, group: 1)),
        new("depthwise-conv", "depthwise Conv 3×3, 128 ch on 56×56", () => Conv(128, 128, 56, 3, group: 128)),
        new("matmul", "MatMul [128×384]·[384×1536]", MatMul),
        new("elementwise", "MaxPool 3×3 on 1×64×56×56", Pool),
        new(null, "bandwidth: Add + Relu on 1×64×56×56", Elementwise),
    ];

    public static string Describe() =>
        string.Join("; ", ComputeKernels.Select(k => k.OpClass is null ? k.Shape : $"{k.OpClass}: {k.Shape}")) +
        $"; overheads: 1 vs {ChainLength} chained Sigmoid nodes on 16 floats";

    /// <summary>Median milliseconds per run of <paramref name="model"/> on <paramref name="threads"/> intra-op threads.</summary>
    public static double TimeMs(Model model, int threads, TimeSpan budget)
    {
        using var session = SessionFactory.Create(model, new SessionSettings { IntraOpThreads = threads });
        using var runOptions = new RunOptions();
        var inputs = InputGenerator.Random(model, seed: 7);
        var names = inputs.Keys.ToArray();
        var values = names.Select(n => OrtTensors.ToOrtValue(inputs[n])).ToArray();
        var outputs = session.OutputNames.ToArray();
        try
        {
            for (var i = 0; i < 3; i++) session.Run(runOptions, names, values, outputs).Dispose();
            var samples = new List<double>();
            var deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
            while (samples.Count < 5 || (Stopwatch.GetTimestamp() < deadline && samples.Count < 5000))
            {
                var start = Stopwatch.GetTimestamp();
                session.Run(runOptions, names, values, outputs).Dispose();
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            samples.Sort();
            return samples[samples.Count / 2];
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>A chain of <paramref name="length"/> Sigmoid nodes on 16 floats: nothing but fixed costs.</summary>
    public static Model Chain(int length)
    {
        var b = new GraphBuilder("calibration-chain");
        var x = b.Input("x", DataType.Float, 1, 16);
        for (var i = 0; i < length; i++) x = b.AddNode("Sigmoid", [x], name: $"s{i}").Outputs[0];
        b.Output(x, "y");
        return b.Build();
    }

    public static int LongChain => ChainLength;

    private static Model Conv(int inChannels, int outChannels, int size, int kernel, int group)
    {
        var b = new GraphBuilder("calibration-conv");
        var x = b.Input("x", DataType.Float, 1, inChannels, size, size);
        var w = b.Initializer("W", Random(outChannels * (inChannels / group) * kernel * kernel), outChannels, inChannels / group, kernel, kernel);
        var bias = b.Initializer("B", Random(outChannels), outChannels);
        var pad = kernel / 2;
        b.Output(b.AddNode("Conv", [x, w, bias], name: "conv", attributes:
            [("pads", new long[] { pad, pad, pad, pad }), ("group", (long)group), ("kernel_shape", new long[] { kernel, kernel })]).Outputs[0], "y");
        return b.Build();
    }

    private static Model MatMul()
    {
        var b = new GraphBuilder("calibration-matmul");
        var x = b.Input("x", DataType.Float, 128, 384);
        var w = b.Initializer("W", Random(384 * 1536), 384, 1536);
        b.Output(b.AddNode("MatMul", [x, w], name: "mm").Outputs[0], "y");
        return b.Build();
    }

    private static Model Pool()
    {
        var b = new GraphBuilder("calibration-pool");
        var x = b.Input("x", DataType.Float, 1, 64, 56, 56);
        b.Output(b.AddNode("MaxPool", [x], name: "pool", attributes:
            [("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }), ("strides", new long[] { 1, 1 })]).Outputs[0], "y");
        return b.Build();
    }

    private static Model Elementwise()
    {
        var b = new GraphBuilder("calibration-elementwise");
        var x = b.Input("x", DataType.Float, 1, 64, 56, 56);
        var y = b.Input("r", DataType.Float, 1, 64, 56, 56);
        var sum = b.AddNode("Add", [x, y], name: "add").Outputs[0];
        b.Output(b.AddNode("Relu", [sum], name: "relu").Outputs[0], "y");
        return b.Build();
    }

    private static float[] Random(int count)
    {
        var rng = new Random(11);
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = (float)(rng.NextDouble() * 0.2 - 0.1);
        return values;
    }
}
