using EdgeOpt.Power.Sensors;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Benchmarking;

namespace EdgeOpt.Tests.Power.Sensors;

/// <summary>
/// <see cref="SustainedBenchmark"/> on a small model for a couple of seconds: windows, counted inferences, a finite
/// drift, sensors reported as they are (none in an empty tree; fake ones plumbed through), cancellation. No timing
/// is asserted.
/// </summary>
[Collection(nameof(TimingSensitive))]
public sealed class SustainedBenchmarkTests : IDisposable
{
    private const string NoNvml = "libno-such-nvidia-ml.so.1";
    private readonly TempDir _dir = new();
    private readonly SysfsTree _tree = new();

    public void Dispose()
    {
        _dir.Dispose();
        _tree.Dispose();
    }

    [Fact]
    public void Without_sensors_it_reports_windows_and_drift_and_every_sensor_not_available()
    {
        var model = BenchmarkModels.Mlp(_dir, "mlp", width: 64, layers: 2);
        var stages = new List<BenchmarkProgress>();

        var report = SustainedBenchmark.Run(model, new SustainedBenchmarkOptions
        {
            Duration = TimeSpan.FromSeconds(2), Windows = 4, SysfsRoot = _tree.Root, NvmlLibrary = NoNvml, Benchmark = new BenchmarkOptions { Warmup = 1 },
        }, new SynchronousProgress<BenchmarkProgress>(stages.Add));

        Assert.Equal(4, report.Windows.Count);
        Assert.Equal([0, 1, 2, 3], report.Windows.Select(w => w.Index));
        Assert.All(report.Windows, w => Assert.True(w.Inferences > 0 && w.MedianMs > 0 && double.IsFinite(w.MedianMs)));
        Assert.Equal(report.Windows.Sum(w => (long)w.Inferences), report.Inferences);
        Assert.True(double.IsFinite(report.LatencyDrift) && report.LatencyDrift > 0);
        Assert.Equal(report.Windows[^1].MedianMs / report.Windows[0].MedianMs, report.LatencyDrift, 12);
        Assert.All(report.Windows, w => Assert.True(w.PowerWatts is null && w.EnergyPerInferenceJoules is null && w.MaxTemperatureCelsius is null && w.CpuFrequencyMHz is null));
        Assert.Null(report.PowerSource);
        Assert.Equal(Enum.GetValues<SensorKind>(), report.Sensors.Select(s => s.Kind));
        Assert.All(report.Sensors, s => Assert.StartsWith("not available: ", s.Detail, StringComparison.Ordinal));
        Assert.Contains("judged by drift only", report.ThrottlingReason, StringComparison.Ordinal);
        Assert.Equal(report.LatencyDrift > 1.15, report.ThrottlingSuspected);
        Assert.Equal(model, report.Model);
        Assert.Equal("cpu", report.ExecutionProvider);
        Assert.Equal(4, stages.Count(p => p.Stage.StartsWith("window ", StringComparison.Ordinal)));
        Assert.Equal(new BenchmarkProgress("window 4 of 4", 4, 4), stages[^1]);
    }

    [Fact]
    public void With_sensors_it_reports_power_temperature_frequency_and_throttling_from_them()
    {
        var model = BenchmarkModels.Mlp(_dir, "mlp", width: 32, layers: 1);
        // The files stay still during the run: the counter does not move (0 W) and the CPU sits under its cap near a trip.
        _tree.RaplZone("intel-rapl:0", "package-0", 1_000_000).Cpu(0, 1_200_000, 2_000_000, 2_000_000)
            .ThermalZone(0, "x86_pkg_temp", 97, ("passive", 100));

        var report = SustainedBenchmark.Run(model, new SustainedBenchmarkOptions
        {
            Duration = TimeSpan.FromSeconds(1), Windows = 2, SysfsRoot = _tree.Root, NvmlLibrary = NoNvml,
        });

        Assert.Equal("RAPL package-0", report.PowerSource);
        Assert.All(report.Windows, w =>
        {
            Assert.Equal(0, w.PowerWatts);
            Assert.Equal(0, w.EnergyPerInferenceJoules);
            Assert.Equal(97, w.MaxTemperatureCelsius);
            Assert.Equal(1200, w.CpuFrequencyMHz);
            Assert.NotNull(w.Throttling);
        });
        Assert.True(report.ThrottlingSuspected);
        Assert.Contains("cpu0 at 1.20 GHz, 60% of its 2.00 GHz maximum while x86_pkg_temp is 97.0 °C", report.ThrottlingReason, StringComparison.Ordinal);
        Assert.StartsWith("measured: package-0", report.Sensors.Single(s => s.Kind == SensorKind.Rapl).Detail, StringComparison.Ordinal);
        Assert.StartsWith("measured: ", report.Sensors.Single(s => s.Kind == SensorKind.Thermal).Detail, StringComparison.Ordinal);
        Assert.StartsWith("not available: ", report.Sensors.Single(s => s.Kind == SensorKind.Nvml).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Cancelling_stops_the_run_and_leaves_nothing_behind()
    {
        var model = BenchmarkModels.Mlp(_dir, "mlp", width: 32, layers: 1);
        using var cancel = new CancellationTokenSource();
        var windowsDone = 0;
        var progress = new SynchronousProgress<BenchmarkProgress>(p =>
        {
            if (p.Stage.StartsWith("window ", StringComparison.Ordinal) && ++windowsDone == 1) cancel.Cancel();
        });

        Assert.ThrowsAny<OperationCanceledException>(() => SustainedBenchmark.Run(model, new SustainedBenchmarkOptions
        {
            Duration = TimeSpan.FromSeconds(30), Windows = 10, SysfsRoot = _tree.Root, NvmlLibrary = NoNvml,
        }, progress, cancel.Token));

        Assert.Equal(1, windowsDone);
        Assert.Equal([model], Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Options_report_every_problem_at_once()
    {
        var problems = new SustainedBenchmarkOptions
        {
            Duration = TimeSpan.Zero, Windows = 1, DriftThreshold = 0.9, TripMarginCelsius = -1,
            Benchmark = new BenchmarkOptions { Runs = 5, Threads = [1, 2] },
        }.Validate();

        Assert.Equal(
        [
            "Duration 0s: expected a positive duration",
            "Windows 1: expected 2 to 10000 windows (drift compares the last with the first)",
            "DriftThreshold 0.9: expected a ratio above 1, e.g. 1.15",
            "TripMarginCelsius -1: expected zero or more degrees",
            "Duration bounds a sustained run; leave Runs unset",
            "Threads 1,2: a sustained run measures one thread count",
        ], problems.Select(p => p.Message));
        Assert.Empty(new SustainedBenchmarkOptions().Validate());
    }

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
