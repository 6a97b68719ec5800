using System.Reflection;

namespace EdgeOpt.BrowserTests;

/// <summary>Locations of the real models the browser tests use (fetched by restore, never committed).</summary>
internal static class Fixtures
{
    private static readonly string PackageRoot =
        typeof(Fixtures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NuGetPackageRoot").Value!;

    /// <summary>NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1: opset 8, CNTK export.</summary>
    public static string ResNet18 => Require(Path.Combine(PackageRoot, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1",
        "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"));

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"fixture missing: {path} (run scripts/test.sh, which restores and installs fixtures)");
}
