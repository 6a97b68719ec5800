using BenchmarkDotNet.Attributes;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// What <c>edgeopt optimize resnet18.onnx -o out.onnx --level extended --target-opset 17</c> costs in-process:
/// load, convert, run every pass to a fixpoint, save. Target: under 5 s on 2 cores.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class OptimizeEndToEndBenchmarks
{
    private string _folder = "";
    private string _target = "";

    [GlobalSetup]
    public void Setup()
    {
        _folder = BenchmarkFixtures.CreateScratchFolder();
        _target = Path.Combine(_folder, "out.onnx");
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Description = "Load + optimize (extended, opset 17) + save")]
    public int OptimizeResNet18()
    {
        using var model = Model.Load(BenchmarkFixtures.ResNet18);
        var result = ModelOptimizer.Optimize(model, new OptimizationOptions { Level = PassLevel.Extended, TargetOpset = 17 });
        model.Save(_target);
        return result.NodesAfter;
    }
}
