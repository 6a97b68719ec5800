using System.Globalization;
using EdgeOpt.Runtime;

namespace EdgeOpt.Power.Sensors;

/// <summary>How <see cref="SustainedBenchmark.Run"/> runs a model: for how long, in how many windows, and what counts as throttling.</summary>
public sealed record SustainedBenchmarkOptions
{
    /// <summary>How long to keep the model running (after warmup).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Equal windows the run is split into; each is reported on its own, and drift compares the last with the first.</summary>
    public int Windows { get; init; } = 10;

    /// <summary>
    /// How each inference runs: one thread count, warmup, execution provider, inputs (shapes, data, batch) and graph
    /// optimization. Its <see cref="BenchmarkOptions.Runs"/> and <see cref="BenchmarkOptions.Duration"/> stay unset:
    /// <see cref="Duration"/> bounds a sustained run.
    /// </summary>
    public BenchmarkOptions Benchmark { get; init; } = new();

    /// <summary>Latency drift (last window's median over the first's) above this suggests throttling.</summary>
    public double DriftThreshold { get; init; } = ThrottlingDetector.DefaultDriftThreshold;

    /// <summary>A thermal zone this close (°C) below a throttling trip point counts as near it.</summary>
    public double TripMarginCelsius { get; init; } = ThrottlingDetector.DefaultTripMarginCelsius;

    /// <summary>Where sysfs is looked for (<c>/</c>); a test or a chroot can point elsewhere.</summary>
    public string SysfsRoot { get; init; } = "/";

    /// <summary>Most windows one run may have.</summary>
    public const int MaxWindows = 10_000;

    /// <summary>The NVML library to load; null: the driver's names (a test seam: a name that does not exist stands for a machine without it).</summary>
    internal string? NvmlLibrary { get; init; }

    /// <summary>Every problem with these options at once (empty: they can work), including those of <see cref="Benchmark"/>.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (Duration <= TimeSpan.Zero)
            problems.Add(new(string.Create(CultureInfo.InvariantCulture, $"{{0}} {Duration.TotalSeconds}s: expected a positive duration"), Name(nameof(Duration))));
        if (Windows is < 2 or > MaxWindows)
            problems.Add(new($"{{0}} {Windows}: expected 2 to {MaxWindows} windows (drift compares the last with the first)", Name(nameof(Windows))));
        if (!double.IsFinite(DriftThreshold) || DriftThreshold <= 1)
            problems.Add(new(string.Create(CultureInfo.InvariantCulture, $"{{0}} {DriftThreshold}: expected a ratio above 1, e.g. 1.15"), Name(nameof(DriftThreshold))));
        if (!double.IsFinite(TripMarginCelsius) || TripMarginCelsius < 0)
            problems.Add(new(string.Create(CultureInfo.InvariantCulture, $"{{0}} {TripMarginCelsius}: expected zero or more degrees"), Name(nameof(TripMarginCelsius))));
        if (string.IsNullOrWhiteSpace(SysfsRoot)) problems.Add(new("{0}: expected a folder, e.g. /", Name(nameof(SysfsRoot))));
        if (Benchmark is null)
        {
            problems.Add(new("{0}: expected benchmark options", Name(nameof(Benchmark))));
            return problems;
        }
        if (Benchmark.Runs is not null) problems.Add(new("{0} bounds a sustained run; leave {1} unset", Name(nameof(Duration)), $"{nameof(BenchmarkOptions)}.{nameof(BenchmarkOptions.Runs)}"));
        if (Benchmark.Duration is not null) problems.Add(new("{0} bounds a sustained run; leave {1} unset", Name(nameof(Duration)), $"{nameof(BenchmarkOptions)}.{nameof(BenchmarkOptions.Duration)}"));
        if (Benchmark.Threads.Count > 1)
            problems.Add(new($"{{0}} {string.Join(",", Benchmark.Threads)}: a sustained run measures one thread count", $"{nameof(BenchmarkOptions)}.{nameof(BenchmarkOptions.Threads)}"));
        problems.AddRange(Benchmark.Validate());
        return problems;

        static string Name(string member) => $"{nameof(SustainedBenchmarkOptions)}.{member}";
    }
}
