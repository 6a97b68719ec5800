using BenchmarkDotNet.Attributes;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// What the pass manager's graph invariant check (<see cref="PassManager.CheckInvariants"/>: on in Debug builds and
/// in the tests, off in Release) adds to <c>optimize --level extended --target-opset 17</c> on ResNet18 and on a
/// 4-layer transformer, in memory (no load or save). The ratio column compares with the check off.
/// </summary>
[MedianColumn]
public class InvariantCheckBenchmarks
{
    private Model? _resNet18, _transformer;

    [Params(false, true)]
    public bool CheckInvariants { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        PassManager.CheckInvariantsByDefault = CheckInvariants;
        _resNet18 = Model.Load(BenchmarkFixtures.ResNet18);
        _transformer = TransformerModel.Build();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _resNet18?.Dispose();
        _transformer?.Dispose();
        PassManager.CheckInvariantsByDefault = false;
    }

    [Benchmark(Description = "Optimize ResNet18")]
    public int ResNet18() => Optimize(_resNet18!);

    [Benchmark(Description = "Optimize transformer (4 layers)")]
    public int Transformer() => Optimize(_transformer!);

    private static int Optimize(Model original)
    {
        using var model = original.Clone();
        return ModelOptimizer.Optimize(model, new OptimizationOptions { Level = PassLevel.Extended, TargetOpset = 17 }).NodesAfter;
    }
}
