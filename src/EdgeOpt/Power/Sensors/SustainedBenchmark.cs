using System.Diagnostics;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using EdgeOpt.Runtime.Benchmarking;

namespace EdgeOpt.Power.Sensors;

/// <summary>
/// Runs one model without pause for a while, the way a deployed model runs, and reports it window by window: latency,
/// and where the machine has sensors power, energy per inference, temperature and CPU frequency. A slowdown that a short
/// benchmark never sees (thermal throttling, a battery's power limit) shows as latency drift between the first and last
/// windows, and where sensors exist as a CPU under its maximum frequency near a thermal trip point.
/// </summary>
public static class SustainedBenchmark
{
    // Sensors are read between inferences at about this interval (counters advanced, power integrated, temperature seen).
    private static readonly TimeSpan SensorInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Runs <paramref name="modelPath"/> for <see cref="SustainedBenchmarkOptions.Duration"/>.</summary>
    /// <exception cref="UsageException">Bad options, an execution provider this build lacks, or inputs that cannot be formed.</exception>
    /// <exception cref="ModelFormatException">A model that cannot be read or that ONNX Runtime refuses.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was triggered (the session and sensors are released; nothing is written).</exception>
    public static SustainedBenchmarkReport Run(string modelPath, SustainedBenchmarkOptions? options = null, IProgress<BenchmarkProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        options ??= new SustainedBenchmarkOptions();
        ThrowHelper.IfInvalid(options.Validate());
        var benchmark = options.Benchmark with { ExecutionProvider = ModelBenchmark.Validate([modelPath], options.Benchmark) };
        var threads = benchmark.Threads.Count == 0 ? 1 : benchmark.Threads[0];

        progress?.Report(new BenchmarkProgress($"loading {Path.GetFileName(modelPath)}", 0, 0));
        using var model = Open(modelPath, threads, benchmark, out var sessionMs);
        var firstMs = model.RunOnce();
        for (var i = 0; i < benchmark.Warmup; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            model.RunOnce();
        }

        var sysfs = new Sysfs(options.SysfsRoot);
        using var sampler = new SensorSampler(sysfs, PowerSensors.Discover(sysfs, options.NvmlLibrary), options.TripMarginCelsius, options.NvmlLibrary);
        var windows = new List<SustainedWindow>(options.Windows);
        var clock = Stopwatch.StartNew();
        var windowLength = options.Duration / options.Windows;
        for (var w = 0; w < options.Windows; w++)
        {
            windows.Add(Window(model, sampler, w, clock, windowLength * (w + 1), cancellation));
            progress?.Report(new BenchmarkProgress($"window {w + 1} of {options.Windows}", w + 1, options.Windows));
        }
        return Summarize(modelPath, options, benchmark, threads, model.InputsDescription, sessionMs, firstMs, windows, sampler, clock.Elapsed);
    }

    /// <summary>Runs inferences until <paramref name="end"/> on the run's clock (at least one), reading sensors between them.</summary>
    private static SustainedWindow Window(BenchmarkedModel model, SensorSampler sampler, int index, Stopwatch clock, TimeSpan end, CancellationToken cancellation)
    {
        var start = clock.Elapsed;
        sampler.Begin();
        var lastTick = start;
        var latencies = new List<double>();
        do
        {
            cancellation.ThrowIfCancellationRequested();
            latencies.Add(model.RunOnce());
            if (clock.Elapsed - lastTick >= SensorInterval)
            {
                lastTick = clock.Elapsed;
                sampler.Tick();
            }
        }
        while (clock.Elapsed < end);
        var (joules, celsius, mhz, throttling) = sampler.End();
        var seconds = (clock.Elapsed - start).TotalSeconds;
        return new SustainedWindow(index, start.TotalSeconds, seconds, latencies.Count, LatencyStatistics.From(latencies).P50,
            joules / seconds, joules / latencies.Count, celsius, mhz, throttling);
    }

    private static SustainedBenchmarkReport Summarize(string modelPath, SustainedBenchmarkOptions options, BenchmarkOptions benchmark, int threads, string inputs,
        double sessionMs, double firstMs, List<SustainedWindow> windows, SensorSampler sampler, TimeSpan elapsed)
    {
        var drift = windows[^1].MedianMs / windows[0].MedianMs;
        var byDrift = ThrottlingDetector.FromDrift(drift, options.DriftThreshold);
        var bySensors = windows.FirstOrDefault(w => w.Throttling is not null);
        // Without thermal or frequency sensors drift is the only evidence, either way: say so.
        var blind = !sampler.Sensors.Any(s => s.Kind is SensorKind.Thermal or SensorKind.CpuFrequency && s.Available);
        var (suspected, reason) = (byDrift.Suspected, bySensors) switch
        {
            (true, null) => (true, blind ? $"{byDrift.Reason} (no thermal or CPU frequency sensors here: judged by drift only)" : byDrift.Reason),
            (true, { } w) => (true, $"{byDrift.Reason}; and in window {w.Index + 1}: {w.Throttling}"),
            (false, { } w) => (true, $"in window {w.Index + 1}: {w.Throttling} ({byDrift.Reason})"),
            _ => (false, blind
                ? $"{byDrift.Reason} (no thermal or CPU frequency sensors here: judged by drift only)"
                : $"{byDrift.Reason}, and no CPU ran under its maximum frequency near a thermal trip"),
        };
        return new SustainedBenchmarkReport(HostDescription.Current, modelPath, benchmark.ExecutionProvider, benchmark.Optimization, threads, benchmark.Batch, inputs,
            benchmark.Warmup, elapsed.TotalSeconds, sessionMs, firstMs, windows, windows.Sum(w => (long)w.Inferences), drift, options.DriftThreshold,
            suspected, reason, sampler.PowerSource, sampler.Sensors);
    }

    private static BenchmarkedModel Open(string path, int threads, BenchmarkOptions options, out double sessionMs)
    {
        BenchmarkInputs inputs;
        using (var model = Model.Load(path)) inputs = BenchmarkInputs.Create(model, path, options);
        try
        {
            var clock = Stopwatch.StartNew();
            var session = ModelBenchmark.Open(path, threads, options);
            sessionMs = clock.Elapsed.TotalMilliseconds;
            return new BenchmarkedModel(path, FileLength.Of(path), inputs, session);
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }
}
