namespace EdgeOpt.Sweep;

/// <summary>What a sweep run did: the report, how many candidates it evaluated and how many the store already held.</summary>
public sealed record SweepOutcome(SweepReport Report, int Evaluated, int Cached, IReadOnlyList<string> Files);
