namespace EdgeOpt.Progressive;

/// <summary>
/// Network assumptions for a <see cref="LoadPlan"/>. Presets follow Chrome DevTools' throttling profiles (download
/// throughput and request latency as DevTools applies them); <see cref="Wifi"/> is our own assumption of a modest link.
/// </summary>
public sealed record LoadPlanOptions
{
    /// <summary>Download throughput, bytes per second.</summary>
    public required double BandwidthBytesPerSecond { get; init; }

    /// <summary>Latency added to every request (one per file), seconds.</summary>
    public double RequestLatencySeconds { get; init; }

    /// <summary>Memory budget for the schedule; null = no limit.</summary>
    public long? MaxMemoryBytes { get; init; }

    /// <summary>DevTools "Slow 3G": 500 kbit/s × 0.8 = 400 kbit/s down, 2 s latency.</summary>
    public static LoadPlanOptions Slow3G { get; } = new() { BandwidthBytesPerSecond = 500_000 / 8.0 * 0.8, RequestLatencySeconds = 2.0 };

    /// <summary>DevTools "Fast 3G": 1.6 Mbit/s × 0.9 = 1.44 Mbit/s down, 562.5 ms latency.</summary>
    public static LoadPlanOptions Fast3G { get; } = new() { BandwidthBytesPerSecond = 1_600_000 / 8.0 * 0.9, RequestLatencySeconds = 0.5625 };

    /// <summary>DevTools "Fast 4G": 9 Mbit/s × 0.9 = 8.1 Mbit/s down, 165 ms latency.</summary>
    public static LoadPlanOptions Fast4G { get; } = new() { BandwidthBytesPerSecond = 9_000_000 / 8.0 * 0.9, RequestLatencySeconds = 0.165 };

    /// <summary>Our assumption: 30 Mbit/s down, 20 ms latency.</summary>
    public static LoadPlanOptions Wifi { get; } = new() { BandwidthBytesPerSecond = 30_000_000 / 8.0, RequestLatencySeconds = 0.020 };

    /// <summary>A preset by name: <c>slow-3g</c>, <c>3g</c>, <c>4g</c>, <c>wifi</c> (case-insensitive); null when unknown.</summary>
    public static LoadPlanOptions? Preset(string name) => name.ToLowerInvariant() switch
    {
        "slow-3g" or "slow3g" => Slow3G,
        "3g" or "fast-3g" => Fast3G,
        "4g" or "fast-4g" => Fast4G,
        "wifi" => Wifi,
        _ => null,
    };

    /// <summary>Every problem with these options, all at once (empty: they can work); <see cref="LoadPlan.Create"/> refuses through it.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (!(BandwidthBytesPerSecond > 0) || double.IsInfinity(BandwidthBytesPerSecond))
            problems.Add(new(FormattableString.Invariant($"{{0}} {BandwidthBytesPerSecond} bytes/s must be a positive number"), Name(nameof(BandwidthBytesPerSecond))));
        if (!(RequestLatencySeconds >= 0))
            problems.Add(new(FormattableString.Invariant($"{{0}} {RequestLatencySeconds} s must be zero or positive"), Name(nameof(RequestLatencySeconds))));
        if (MaxMemoryBytes is <= 0) problems.Add(new($"{{0}} {MaxMemoryBytes} bytes must be positive", Name(nameof(MaxMemoryBytes))));
        return problems;

        static string Name(string member) => $"{nameof(LoadPlanOptions)}.{member}";
    }
}

/// <summary>One fetch of the plan.</summary>
/// <param name="Index">0 = the graph file.</param>
/// <param name="File">File name in the package.</param>
/// <param name="Kind"><c>graph</c> or <c>chunk</c>.</param>
/// <param name="Bytes">Size of this file.</param>
/// <param name="CumulativeBytes">Bytes fetched once this stage completes.</param>
/// <param name="EstimatedSeconds">Estimated time from start until this stage completes (sequential fetches).</param>
/// <param name="Tensors">Initializers this chunk completes.</param>
public sealed record LoadStage(int Index, string File, string Kind, long Bytes, long CumulativeBytes, double EstimatedSeconds, int Tensors);

/// <summary>
/// The fetch schedule of a package: graph first, then chunks by priority. Times are estimates, fetched one after another:
/// each file costs the request latency plus bytes / bandwidth. ONNX Runtime needs every initializer to create a session,
/// so the session can be created only after the last stage, and everything fetched stays resident until then.
/// </summary>
public sealed record LoadPlan(
    IReadOnlyList<LoadStage> Stages,
    double BandwidthBytesPerSecond,
    double RequestLatencySeconds,
    long TotalBytes,
    long PeakMemoryBytes,
    int SessionReadyAfterStage,
    double SessionReadyAfterSeconds,
    long? MaxMemoryBytes)
{
    /// <summary>Whether the schedule's peak memory exceeds <see cref="MaxMemoryBytes"/>.</summary>
    public bool ExceedsMemoryLimit => MaxMemoryBytes is { } max && PeakMemoryBytes > max;

    /// <summary>
    /// Throws <see cref="ConstraintException"/> (CLI exit code 3) when <see cref="ExceedsMemoryLimit"/>;
    /// <paramref name="limitName"/>: what the caller calls the limit (the CLI: <c>--max-memory</c>).
    /// </summary>
    public void ThrowIfOverMemoryLimit(string limitName = nameof(LoadPlanOptions.MaxMemoryBytes))
    {
        if (ExceedsMemoryLimit)
            throw new ConstraintException($"the schedule holds {PeakMemoryBytes:N0} bytes before the session can be created, over the {limitName} limit of {MaxMemoryBytes:N0} bytes");
    }

    /// <exception cref="InvalidOptionsException">Bandwidth not positive, latency negative, memory limit not positive (<see cref="LoadPlanOptions.Validate"/>).</exception>
    public static LoadPlan Create(ProgressiveManifest manifest, LoadPlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        ThrowHelper.IfInvalid(options.Validate());

        var stages = new List<LoadStage>(manifest.Chunks.Count + 1);
        long cumulative = 0;
        double seconds = 0;
        void Add(string file, string kind, long bytes, int tensors)
        {
            cumulative += bytes;
            seconds += options.RequestLatencySeconds + bytes / options.BandwidthBytesPerSecond;
            stages.Add(new LoadStage(stages.Count, file, kind, bytes, cumulative, seconds, tensors));
        }
        Add(manifest.Graph.File, "graph", manifest.Graph.Size, 0);
        foreach (var c in manifest.Chunks.OrderBy(c => c.Priority)) Add(c.File, "chunk", c.Size, c.Tensors.Count);

        return new LoadPlan(stages, options.BandwidthBytesPerSecond, options.RequestLatencySeconds, cumulative,
            PeakMemoryBytes: cumulative, SessionReadyAfterStage: stages.Count - 1, SessionReadyAfterSeconds: seconds, options.MaxMemoryBytes);
    }
}
