namespace EdgeOpt.Runtime;

/// <summary>
/// Where a benchmark is: <paramref name="Stage"/> says what runs (e.g. <c>"1 thread: measuring"</c>);
/// <paramref name="Done"/> of <paramref name="Total"/> rounds, Total 0 when the run is bounded by time.
/// </summary>
public sealed record BenchmarkProgress(string Stage, int Done, int Total);
