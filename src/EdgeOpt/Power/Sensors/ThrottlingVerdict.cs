namespace EdgeOpt.Power.Sensors;

/// <summary>Whether throttling is suspected, and why (or why not) in <paramref name="Reason"/>.</summary>
public sealed record ThrottlingVerdict(bool Suspected, string Reason);
