using EdgeOpt.Data;
using EdgeOpt.Tests.Shared;
using EdgeOpt.Onnx;
using EdgeOpt.Progressive;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Tests.Progressive;

/// <summary>Small real packages (cut by <see cref="ProgressivePackager"/>) and a way to compare ORT outputs exactly.</summary>
internal static class LoaderTestPackages
{
    /// <summary>
    /// A 3-layer MLP (64→64→64→32) whose 16 KB weight matrices each fill a 4 KB-minimum chunk of their own, so the
    /// package has several chunks and the biases stay inline in the graph.
    /// </summary>
    public static Model Mlp()
    {
        var rng = new Random(7);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var b = new GraphBuilder("mlp", opset: 17);
        var x = b.Input("x", DataType.Float, 1, 64);
        var h = x;
        var widths = new[] { 64, 64, 32 };
        var inWidth = 64;
        for (var i = 0; i < widths.Length; i++)
        {
            var w = b.Initializer($"w{i}", Values(inWidth * widths[i]), inWidth, widths[i]);
            var bias = b.Initializer($"b{i}", Values(widths[i]), widths[i]);
            h = b.Op("Add", [b.Op("MatMul", [h, w]), bias]);
            if (i < widths.Length - 1) h = b.Op("Relu", [h]);
            inWidth = widths[i];
        }
        b.Output(h, "y");
        return b.Build();
    }

    /// <summary>Saves <paramref name="model"/> under <paramref name="dir"/> and packages it into <c>dir/pkg</c>.</summary>
    public static (string ModelPath, string PackageFolder, ProgressiveManifest Manifest) Package(Model model, TempDir dir, long chunkSize = 4096)
    {
        var modelPath = dir.File("model.onnx");
        model.Save(modelPath);
        return Package(modelPath, dir, chunkSize);
    }

    public static (string ModelPath, string PackageFolder, ProgressiveManifest Manifest) Package(string modelPath, TempDir dir, long chunkSize)
    {
        var folder = dir.File("pkg");
        var manifest = ProgressivePackager.Package(modelPath, folder, new ProgressiveOptions { ChunkSize = chunkSize });
        return (modelPath, folder, manifest);
    }

    /// <summary>All outputs of a session on the seeded random inputs of <paramref name="model"/>, flattened in output order.</summary>
    public static float[] Run(InferenceSession session, Model model, int seed)
    {
        var inputs = InputGenerator.Random(model, seed);
        var names = session.InputMetadata.Keys.ToList();
        var values = names.Select(n => OrtTensors.ToOrtValue(inputs[n])).ToList();
        try
        {
            using var runOptions = new RunOptions();
            var outputNames = session.OutputMetadata.Keys.ToList();
            using var outputs = session.Run(runOptions, names, values, outputNames);
            return outputs.SelectMany(o => OrtTensors.ToTensor(o).ToSingleArray()).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Largest absolute difference between the original model file and a loaded model, run by ORT on the same inputs.</summary>
    public static double MaxAbsError(string originalPath, LoadedModel loaded, int seed = 1)
    {
        using var original = Model.Load(originalPath);
        using var expectedSession = SessionFactory.Create(originalPath);
        using var actualSession = loaded.CreateSession();
        var expected = Run(expectedSession, original, seed);
        var actual = Run(actualSession, original, seed);
        return Differences.MaxAbs(expected, actual);
    }
}
