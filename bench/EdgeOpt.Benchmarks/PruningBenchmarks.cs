using BenchmarkDotNet.Attributes;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Pruning;
using EdgeOpt.Tests.Quantization;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// What <c>edgeopt prune resnet18.onnx -o out.onnx --target-macs 0.75 [--data crops/ --reconstruct]</c> costs
/// in-process on 100 natural-photo crops (the target: with reconstruction ≤ 60 s on 2 cores): dependency groups,
/// L1 ranking, allocation, channel removal, the invariant check and the ONNX Runtime fidelity run, with and without the
/// BatchNormalization re-estimation and least-squares refits. The crops are made once, outside the measurement.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PruningBenchmarks
{
    private Model _model = null!;
    private ISampleSource _calibration = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = Model.Load(BenchmarkFixtures.ResNet18);
        var input = _model.Graph.Inputs.Single(v => !v.IsInitializer).Name;
        using var crops = new NaturalCropSource(BenchmarkFixtures.ResNet18, input, 100, seed: 1_000, PhotoCrops.CalibrationPhotos);
        _calibration = new InMemorySampleSource(Enumerable.Range(0, crops.Count).Select(crops.Read).ToList(), description: crops.Description);
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark(Baseline = true, Description = "ResNet18 structured to 0.75x MACs (L1), no reconstruction")]
    public long Structured() => Prune(reconstruct: false);

    [Benchmark(Description = "ResNet18 structured to 0.75x MACs (L1), reconstructed on 100 samples")]
    public long StructuredWithReconstruction() => Prune(reconstruct: true);

    private long Prune(bool reconstruct)
    {
        using var result = new Pruner(new PruningOptions { TargetMacs = 0.75, Reconstruct = reconstruct }).Prune(_model, _calibration);
        return result.MacsAfter;
    }
}
