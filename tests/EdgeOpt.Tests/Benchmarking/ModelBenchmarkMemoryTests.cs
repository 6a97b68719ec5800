using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Benchmarking;

/// <summary>
/// Memory figures of <see cref="ModelBenchmark"/>. Resident set size is process-wide, so this runs alone rather than
/// beside other test classes that allocate.
/// </summary>
[Collection(nameof(TimingSensitive))]
public sealed class ModelBenchmarkMemoryTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Memory_counts_the_weights_a_session_holds()
    {
        // 4 layers of 1024x1024 floats: 16 MiB of weights that ONNX Runtime keeps resident.
        var path = BenchmarkModels.Mlp(_dir, "big", width: 1024, layers: 4);

        var r = Assert.Single(ModelBenchmark.Run([path], new BenchmarkOptions { Runs = 3, Warmup = 1 }).Results);

        Assert.True(r.PeakWorkingSetBytes >= 16L << 20, $"peak {r.PeakWorkingSetBytes} bytes");
        Assert.True(r.RetainedWorkingSetBytes >= 8L << 20, $"retained {r.RetainedWorkingSetBytes} bytes");
        Assert.True(r.PeakWorkingSetBytes >= r.RetainedWorkingSetBytes);
        Assert.True(r.ManagedBytesPerInference is > 0 and < 1 << 20, $"managed {r.ManagedBytesPerInference} bytes per inference");
    }
}
