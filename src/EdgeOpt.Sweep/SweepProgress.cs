namespace EdgeOpt.Sweep;

/// <summary>One step of a sweep: <paramref name="Done"/> of <paramref name="Total"/> candidates to evaluate, and what happened.</summary>
public sealed record SweepProgress(int Done, int Total, string Message);
