namespace EdgeOpt.Sweep;

/// <summary>
/// One sweep id's rows in <c>edgeopt_sweep_results</c>: how many candidates were evaluated and how many failed, how
/// many workers stored them, and when the first evaluation started and the last one finished.
/// </summary>
public sealed record SweepSummary(string SweepId, int Evaluated, int Failed, int Workers, DateTimeOffset FirstStarted, DateTimeOffset LastFinished)
{
    /// <summary>Rows stored: evaluated and failed.</summary>
    public int Done => Evaluated + Failed;
}
