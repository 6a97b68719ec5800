using System.Reflection;
using BenchmarkDotNet.Attributes;
using EdgeOpt.Onnx.Tflite;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// TFLite → ONNX conversion time (read, validate, convert, serialize to ONNX bytes) of real models, next to reading
/// the file's bytes (the floor). Models: MediaPipe's full-range face detector (1.08 MB, float16 weights folded to
/// float32), its sparse twin (0.68 MB, DENSIFY expanded at conversion), and TFLite Micro's int8 person detector (QDQ).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class TfliteConversionBenchmarks
{
    [Params("face_detection_full_range", "face_detection_full_range_sparse", "person_detect")]
    public string Model { get; set; } = "";

    private string _path = "";

    [GlobalSetup]
    public void Setup()
    {
        var npm = typeof(BenchmarkFixtures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NpmFixtureFolder").Value!;
        var repository = Path.GetFullPath(Path.Combine(npm, "..", "..", "..", ".."));
        _path = Model == "person_detect"
            ? Path.Combine(repository, "tests", "fixtures", "tflite-micro", "models", "person_detect.tflite")
            : Path.Combine(npm, "node_modules", "@mediapipe", "face_detection", Model + ".tflite");
        if (!File.Exists(_path)) throw new FileNotFoundException($"benchmark model missing: {_path} (build tests/EdgeOpt.Tests, which restores the npm fixtures)");
    }

    [Benchmark(Baseline = true, Description = "Read file bytes")]
    public int Read() => File.ReadAllBytes(_path).Length;

    [Benchmark(Description = "Convert to ONNX (in memory)")]
    public int Convert()
    {
        using var model = TfliteConverter.Convert(_path);
        return model.Graph.Nodes.Count;
    }

    [Benchmark(Description = "Convert + serialize ONNX bytes")]
    public int ConvertAndSerialize()
    {
        using var model = TfliteConverter.Convert(_path);
        return model.ToBytes().Length;
    }
}
