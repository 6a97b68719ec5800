using EdgeOpt.Data;

namespace EdgeOpt.Cli;

/// <summary>
/// The demo model and data embedded in the CLI assembly (see tools/EdgeOpt.DemoTrainer): a small Fashion-MNIST
/// CNN (input <c>input</c> float [N,1,28,28] = pixel/255, output <c>logits</c> [N,10]), the first 1,000 images
/// of the Fashion-MNIST test split, and 500 calibration images (50 per class) from the training split.
/// </summary>
internal static class DemoAssets
{
    private const string Prefix = "EdgeOpt.Demo.";

    public const string ModelName = "fashion-cnn.onnx";

    /// <summary>Fashion-MNIST's class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The serialized demo model.</summary>
    public static byte[] ModelBytes()
    {
        using var stream = Open(ModelName);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The first 1,000 images and labels of the test split.</summary>
    public static LabelledImages TestSet() => Load("fashion-test-1000");

    /// <summary>500 training images for calibration (quantization statistics), disjoint from the test set.</summary>
    public static LabelledImages CalibrationSet() => Load("fashion-calib-500");

    /// <summary>The demo's files on disk: the model and the test split as IDX (what <c>edgeopt deploy</c> reads).</summary>
    public sealed record Files(string Model, string TestImages, string TestLabels);

    /// <summary>Writes the model and the test split's IDX files into <paramref name="folder"/> (created).</summary>
    public static Files WriteTo(string folder)
    {
        Directory.CreateDirectory(folder);
        var files = new Files(Path.Combine(folder, ModelName), Path.Combine(folder, "fashion-test-1000-images-idx3-ubyte.gz"),
            Path.Combine(folder, "fashion-test-1000-labels-idx1-ubyte.gz"));
        File.WriteAllBytes(files.Model, ModelBytes());
        foreach (var path in new[] { files.TestImages, files.TestLabels })
        {
            using var source = Open(Path.GetFileName(path));
            using var target = File.Create(path);
            source.CopyTo(target);
        }
        return files;
    }

    private static LabelledImages Load(string name)
    {
        using var images = Open($"{name}-images-idx3-ubyte.gz");
        using var labels = Open($"{name}-labels-idx1-ubyte.gz");
        return IdxDataset.Read(images, labels, $"embedded {name}-images", $"embedded {name}-labels");
    }

    private static Stream Open(string file) =>
        typeof(DemoAssets).Assembly.GetManifestResourceStream(Prefix + file)
        ?? throw new InvalidOperationException($"embedded resource '{Prefix + file}' is missing from this edgeopt build (src/EdgeOpt.Cli/Resources/demo/{file})");
}
