namespace EdgeOpt.Sweep;

/// <summary>
/// One silo of the sweep cluster as Orleans' membership table lists it: where it listens, its host, its Orleans status
/// (<c>active</c>, <c>joining</c>, <c>shutting-down</c>, …), when it started and when it last said it is alive, and —
/// for an <c>edgeopt worker</c> — its EdgeOpt version and slots (from its silo name, <see cref="WorkerSiloName"/>; null otherwise).
/// </summary>
public sealed record ClusterMember(
    string Address,
    int Port,
    int? GatewayPort,
    string Host,
    string Status,
    DateTimeOffset Started,
    DateTimeOffset LastAlive,
    string? ToolVersion,
    int? Slots);
