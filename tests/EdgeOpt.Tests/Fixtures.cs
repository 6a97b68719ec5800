using System.Reflection;

namespace EdgeOpt.Tests;

/// <summary>Locations of the real models and data the tests use (fetched by restore and scripts/test.sh, never committed).</summary>
internal static class Fixtures
{
    private static readonly string PackageRoot =
        typeof(Fixtures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NuGetPackageRoot").Value!;

    /// <summary>NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1: opset 8, CNTK export, 22 Conv + 22 BatchNormalization.</summary>
    public static string ResNet18 => Require(Path.Combine(PackageRoot, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1",
        "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"));

    /// <summary>Debian libonnx-testdata: the ONNX conformance suite.</summary>
    public const string OnnxTestData = "/usr/share/libonnx-testdata/data";

    /// <summary>Debian dataset-fashion-mnist.</summary>
    public const string FashionMnist = "/usr/share/datasets/fashion-mnist";

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"fixture missing: {path} (run scripts/test.sh, which restores and installs fixtures)");
}

/// <summary>A temporary folder deleted after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgeopt-tests", Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
