using EdgeOpt.Data;
using EdgeOpt.Tests.Shared;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Tests.Progressive;

/// <summary>Small real models for packaging tests, and running a model file in ONNX Runtime straight from its path.</summary>
internal static class PackagerModels
{
    /// <summary>An MLP x[1,64] → MatMul/Add/Relu × <paramref name="layers"/>; each weight is width² floats (16 KiB at 64).</summary>
    public static string Mlp(string folder, string name = "mlp", int layers = 4, int width = 64, int seed = 1)
    {
        var b = new GraphBuilder("mlp");
        var x = b.Input("x", DataType.Float, 1, width);
        var random = new Random(seed);
        var h = x;
        for (var i = 0; i < layers; i++)
        {
            var w = b.Initializer($"w{i}", Enumerable.Range(0, width * width).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray(), width, width);
            var bias = b.Initializer($"b{i}", Enumerable.Range(0, width).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray(), width);
            h = b.Op("Relu", [b.Op("Add", [b.Op("MatMul", [h, w]), bias])]);
        }
        b.Output(h, "y");
        var path = Path.Combine(folder, name + ".onnx");
        using var model = b.Build();
        model.Save(path);
        return path;
    }

    /// <summary>Runs the model at <paramref name="path"/> (ORT resolves external data itself) on seeded random inputs.</summary>
    public static Dictionary<string, float[]> Run(string path, int seed = 7)
    {
        Dictionary<string, Tensor> inputs;
        using (var model = Model.Load(path)) inputs = InputGenerator.Random(model, seed);
        return Run(path, inputs);
    }

    /// <summary>Runs the model file at <paramref name="path"/> (external data resolved next to it) on <paramref name="inputs"/>, one thread, no graph rewrites.</summary>
    public static Dictionary<string, float[]> Run(string path, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var session = SessionFactory.Create(path, new SessionSettings { Optimization = GraphOptimization.None, IntraOpThreads = 1 });
        var names = session.InputMetadata.Keys.ToList();
        var values = names.Select(n => OrtTensors.ToOrtValue(inputs[n])).ToList();
        try
        {
            using var runOptions = new RunOptions();
            var outputNames = session.OutputMetadata.Keys.ToList();
            using var outputs = session.Run(runOptions, names, values, outputNames);
            return outputNames.Select((n, i) => (n, v: OrtTensors.ToTensor(outputs[i], n).ToSingleArray())).ToDictionary(p => p.n, p => p.v);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public static double MaxAbsDifference(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var max = 0.0;
        foreach (var (name, e) in expected)
        {
            max = Math.Max(max, Differences.MaxAbs(e, actual[name]));
        }
        return max;
    }

    /// <summary>Relative path → bytes of every file in a folder.</summary>
    public static SortedDictionary<string, byte[]> Snapshot(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes), StringComparer.Ordinal);
}
