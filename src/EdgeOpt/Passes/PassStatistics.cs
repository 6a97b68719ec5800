namespace EdgeOpt.Passes;

/// <summary>What one pass did over a whole optimization (summed over fixpoint rounds).</summary>
public sealed record PassStatistics(
    string Pass,
    int Runs,
    int Changes,
    int NodesBefore,
    int NodesAfter,
    long InitializerBytesBefore,
    long InitializerBytesAfter,
    TimeSpan Elapsed)
{
    /// <summary>Rewrites over all runs (<see cref="PassResult.Rewrites"/> summed).</summary>
    public int Rewrites { get; init; }

    /// <summary>Why the pass was skipped (its unmet <see cref="IGraphPass.Requirements"/>, e.g. <c>requires opset ≥ 7 (the model has 6)</c>); null when it ran every time.</summary>
    public string? Skipped { get; init; }

    /// <summary>The result of each run, in order.</summary>
    public IReadOnlyList<PassResult> Results { get; init; } = [];
}

/// <summary>The outcome of <see cref="PassManager.Run"/>: per-pass statistics and totals.</summary>
public sealed record OptimizationReport(
    IReadOnlyList<PassStatistics> Passes,
    int Iterations,
    int NodesBefore,
    int NodesAfter,
    long InitializerBytesBefore,
    long InitializerBytesAfter,
    TimeSpan Elapsed,
    IReadOnlyList<string> Notes);
