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
    TimeSpan Elapsed);

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
