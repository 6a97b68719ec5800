using System.Runtime.InteropServices;
using EdgeOpt.Onnx;
using EdgeOpt.Progressive;

namespace EdgeOpt.Fuzz;

/// <summary>
/// What the harnesses feed inputs against, built once per process and deterministically (so committed seeds that name
/// files or hashes stay valid): small models whose inputs give data files a shape to fit, a folder of external-data
/// files and links, and a real progressive package.
/// </summary>
public static class FuzzFixtures
{
    /// <summary>Bytes of every external-data file in <see cref="ExternalDataFolder"/>.</summary>
    public const int ExternalFileBytes = 4096;

    /// <summary>
    /// Locations in <see cref="ExternalDataFolder"/>, all 11 characters long so a seed's location can be swapped for
    /// another without changing any protobuf length: a file, a symlink to it, a file in a sub-folder, a file reached
    /// through a folder symlink that leads outside, a file symlink that leads outside, an empty file, a folder, an
    /// absolute path and a parent-relative one.
    /// </summary>
    public static IReadOnlyList<string> ExternalLocations { get; } =
        ["weights.bin", "aliases.bin", "sub/wts.bin", "lnk/wts.bin", "escapes.bin", "empty00.bin", "adir000.bin", "/etc/passwd", "../wts.bin0"];

    private static readonly Lazy<string> External = new(CreateExternalDataFolder, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> Package = new(CreateProgressivePackage, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<byte[]> Quantizable = new(() => QuantizableModelBytes(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The model folder external data resolves under (see <see cref="ExternalLocations"/>).</summary>
    public static string ExternalDataFolder => External.Value;

    /// <summary>A progressive package of <see cref="MlpModelBytes"/> (4 KiB chunks); the manifest harness overwrites its manifest.json.</summary>
    public static string ProgressivePackageFolder => Package.Value;

    /// <summary>One input <c>x</c>: float <c>[N,2,?]</c>, for .npy/.pb/.npz files.</summary>
    public static Model SingleInputModel { get; } = InputModel(b => b.Input("x", DataType.Float, Dim.Symbolic("N"), 2, Dim.Unknown));

    /// <summary>One input <c>x</c> of unknown element type and shape: any array is one sample.</summary>
    public static Model ShapelessInputModel { get; } = InputModel(b => b.Input("x", (OnnxType?)null));

    /// <summary>Two inputs, <c>a</c>: float <c>[N,2]</c> and <c>b</c>: int64 <c>[N]</c>, for .npz files keyed by name.</summary>
    public static Model TwoInputModel { get; } = InputModel(b => b.Input("a", DataType.Float, Dim.Symbolic("N"), 2), b => b.Input("b", DataType.Int64, Dim.Symbolic("N")));

    /// <summary>One input <c>image</c>: float <c>[N,1,4,4]</c>, for IDX images of 4x4 pixels.</summary>
    public static Model ImageModel { get; } = InputModel(b => b.Input("image", DataType.Float, Dim.Symbolic("N"), 1, 4, 4));

    /// <summary>A small Conv/Relu/MatMul model the device harness estimates (read only: shared by every execution).</summary>
    public static Model EstimationModel { get; } = Model.Parse(QuantizableModelBytes());

    /// <summary>A fresh copy of the Conv → Relu → GlobalAveragePool → Flatten → MatMul → Add model quantization plans are applied to.</summary>
    public static Model QuantizableModel() => Model.Parse(Quantizable.Value);

    /// <summary>The bytes of <see cref="QuantizableModel"/> (seeded weights: the same bytes in every process).</summary>
    public static byte[] QuantizableModelBytes()
    {
        var random = new Random(11);
        float[] Weights(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5))];
        var b = new GraphBuilder("fuzz_quantizable", opset: 13);
        var x = b.Input("x", DataType.Float, 1, 3, 8, 8);
        var conv = b.Op("Conv", [x, b.Initializer("conv_w", Weights(4 * 3 * 3 * 3), 4, 3, 3, 3), b.Initializer("conv_b", Weights(4), 4)],
            ("pads", new long[] { 1, 1, 1, 1 }));
        var pooled = b.Op("GlobalAveragePool", [b.Op("Relu", [conv])]);
        var flat = b.Op("Flatten", [pooled]);
        var y = b.Op("Add", [b.Op("MatMul", [flat, b.Initializer("fc_w", Weights(4 * 5), 4, 5)]), b.Initializer("fc_b", Weights(5), 5)]);
        b.Output(y, "y");
        using var model = b.Build();
        return model.ToBytes();
    }

    /// <summary>An MLP x[1,16] → (MatMul, Add, Relu) × 3 with seeded weights: 1 KiB per weight, so it spreads over several 4 KiB chunks.</summary>
    public static byte[] MlpModelBytes()
    {
        var random = new Random(5);
        var b = new GraphBuilder("fuzz_mlp");
        var h = b.Input("x", DataType.Float, 1, 16);
        for (var i = 0; i < 3; i++)
        {
            var w = b.Initializer($"w{i}", Enumerable.Range(0, 16 * 16).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray(), 16, 16);
            var bias = b.Initializer($"b{i}", Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray(), 16);
            h = b.Op("Relu", [b.Op("Add", [b.Op("MatMul", [h, w]), bias])]);
        }
        b.Output(h, "y");
        using var model = b.Build();
        return model.ToBytes();
    }

    /// <summary>The options <see cref="ProgressivePackageFolder"/> is cut with.</summary>
    public static ProgressiveOptions PackageOptions { get; } = new() { ChunkSize = ProgressiveOptions.MinChunkSize, MinChunkedTensorBytes = 64 };

    /// <summary>The float pattern every external-data file holds (element i = i / 8).</summary>
    public static byte[] ExternalFileContent() =>
        MemoryMarshal.AsBytes(Enumerable.Range(0, ExternalFileBytes / 4).Select(i => i / 8f).ToArray().AsSpan()).ToArray();

    private static Model InputModel(params Func<GraphBuilder, Value>[] inputs)
    {
        var b = new GraphBuilder("fuzz_inputs");
        foreach (var input in inputs) b.Output(b.Op("Identity", [input(b)]));
        return b.Build();
    }

    private static string CreateExternalDataFolder()
    {
        var root = Scratch.Sub("external");
        var model = Directory.CreateDirectory(Path.Combine(root, "model")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(root, "outside")).FullName;
        var content = ExternalFileContent();
        File.WriteAllBytes(Path.Combine(model, "weights.bin"), content);
        File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(model, "sub")).FullName, "wts.bin"), content);
        File.WriteAllBytes(Path.Combine(outside, "wts.bin"), content);
        File.WriteAllBytes(Path.Combine(root, "wts.bin0"), content);
        File.WriteAllBytes(Path.Combine(model, "empty00.bin"), []);
        Directory.CreateDirectory(Path.Combine(model, "adir000.bin"));
        File.CreateSymbolicLink(Path.Combine(model, "aliases.bin"), Path.Combine(model, "weights.bin"));
        File.CreateSymbolicLink(Path.Combine(model, "escapes.bin"), Path.Combine(outside, "wts.bin"));
        Directory.CreateSymbolicLink(Path.Combine(model, "lnk"), outside);
        return model;
    }

    private static string CreateProgressivePackage()
    {
        var root = Scratch.Sub("progressive");
        var modelPath = Path.Combine(root, "mlp.onnx");
        File.WriteAllBytes(modelPath, MlpModelBytes());
        var folder = Path.Combine(root, "package");
        ProgressivePackager.Package(modelPath, folder, PackageOptions);
        return folder;
    }
}
