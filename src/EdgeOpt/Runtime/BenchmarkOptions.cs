namespace EdgeOpt.Runtime;

/// <summary>How <see cref="ModelBenchmark.Run"/> measures models.</summary>
public sealed record BenchmarkOptions
{
    /// <summary>Intra-op thread counts to measure; every model runs once per count.</summary>
    public IReadOnlyList<int> Threads { get; init; } = [1];

    /// <summary>Untimed inferences per model after the first (cold) one, before the measured runs.</summary>
    public int Warmup { get; init; } = 5;

    /// <summary>Measured inferences per model; null means 50, or as many as fit in <see cref="Duration"/> when that is set.</summary>
    public int? Runs { get; init; }

    /// <summary>Measure for this long (all models together, interleaved) instead of a fixed run count.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Execution provider short name (<c>cpu</c>, <c>xnnpack</c>, <c>cuda</c>, ...); must be in this ONNX Runtime build.</summary>
    public string ExecutionProvider { get; init; } = "cpu";

    /// <summary>
    /// Full shapes of inputs by input name (e.g. <c>input → [1,3,224,224]</c>); needed for inputs with free dims other
    /// than the leading batch dim. Fixed dims in the model must match.
    /// </summary>
    public IReadOnlyDictionary<string, long[]> Shapes { get; init; } = new Dictionary<string, long[]>();

    /// <summary>
    /// Real inputs instead of generated ones: a <see cref="Data.SampleSources"/> spec (image folder, .npy/.npz/.pb,
    /// test_data_set folders, IDX file). Up to <see cref="MaxDataSamples"/> samples are decoded up front and cycled.
    /// </summary>
    public string? Data { get; init; }

    /// <summary>Items per inference: the size of a free leading (batch) dim; samples from <see cref="Data"/> are stacked.</summary>
    public int Batch { get; init; } = 1;

    /// <summary>Graph rewrites ONNX Runtime applies when creating each session.</summary>
    public GraphOptimization Optimization { get; init; } = GraphOptimization.All;

    /// <summary>How many distinct inputs are prepared and cycled (decoded before timing, so I/O is never measured).</summary>
    public int MaxDataSamples { get; init; } = 32;

    internal const int DefaultRuns = 50;

    /// <summary>Most intra-op threads one measurement may ask for.</summary>
    public const int MaxThreads = 1024;

    /// <summary>Every problem with these options, all at once (empty: they can work); <see cref="ModelBenchmark.Run"/> refuses through it.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (Runs is not null && Duration is not null) problems.Add(new("give either a run count ({0}) or a duration ({1}), not both", Name(nameof(Runs)), Name(nameof(Duration))));
        if (Runs is <= 0) problems.Add(new($"{{0}} {Runs}: expected a positive number of measured inferences", Name(nameof(Runs))));
        if (Duration is { } duration && duration <= TimeSpan.Zero)
            problems.Add(new(FormattableString.Invariant($"{{0}} {duration.TotalSeconds}: expected a positive number of seconds"), Name(nameof(Duration))));
        if (Warmup < 0) problems.Add(new($"{{0}} {Warmup}: expected zero or more warmup inferences", Name(nameof(Warmup))));
        if (Batch <= 0) problems.Add(new($"{{0}} {Batch}: expected a positive batch size", Name(nameof(Batch))));
        if (MaxDataSamples <= 0) problems.Add(new($"{{0}} {MaxDataSamples}: expected a positive number", Name(nameof(MaxDataSamples))));
        if (Threads.Count == 0) problems.Add(new("{0}: give at least one thread count, e.g. 1,2", Name(nameof(Threads))));
        foreach (var t in Threads.Where(t => t <= 0).Distinct())
            problems.Add(new($"{{0}} {t}: expected positive thread counts, e.g. 1,2,4", Name(nameof(Threads))));
        foreach (var t in Threads.Where(t => t > MaxThreads).Distinct())
            problems.Add(new($"{{0}} {t}: expected at most {MaxThreads} threads", Name(nameof(Threads))));
        if (Threads.Distinct().Count() != Threads.Count) problems.Add(new($"{{0}} {string.Join(",", Threads)}: a thread count is repeated", Name(nameof(Threads))));
        if (Data is not null && Shapes.Count > 0)
            problems.Add(new("{0} fixes generated inputs; with {1} the data gives the shapes (drop {0})", Name(nameof(Shapes)), Name(nameof(Data))));
        return problems;

        static string Name(string member) => $"{nameof(BenchmarkOptions)}.{member}";
    }
}
