namespace EdgeOpt.Sweep;

/// <summary>
/// A worker silo's identity and capacity, a singleton of its services: <see cref="WorkerGrain"/> evaluates at most
/// <see cref="Count"/> candidates at once, the rest wait for a slot.
/// </summary>
internal sealed class WorkerSlots(int count, string toolVersion, ClusterResultsStore results) : IDisposable
{
    /// <summary>The cluster's results table, where the worker stores each result before replying.</summary>
    public ClusterResultsStore Results { get; } = results;

    private readonly SemaphoreSlim _free = new(count, count);

    /// <summary>Candidates evaluated at once.</summary>
    public int Count { get; } = count;

    /// <summary>The EdgeOpt version this worker evaluates with (its informational version, unless a test overrides it).</summary>
    public string ToolVersion { get; } = toolVersion;

    /// <summary>Set by <see cref="SweepWorker.TestFailHook"/> only: every evaluation call fails.</summary>
    public bool FailEveryCall { get; init; }

    /// <summary>Set by <see cref="SweepWorker.TestSleepHook"/> only: sleep this many milliseconds instead of evaluating.</summary>
    public int? SleepInsteadMs { get; init; }

    /// <summary>Runs <paramref name="work"/> in a slot, waiting for one first.</summary>
    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellation)
    {
        await _free.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            // Off the grain's scheduler: evaluation is seconds to minutes of CPU-bound work (ONNX Runtime sessions).
            return await Task.Run(work, cancellation).ConfigureAwait(false);
        }
        finally
        {
            _free.Release();
        }
    }

    public void Dispose()
    {
        _free.Dispose();
        Results.Dispose();
    }
}
