using Orleans;

namespace EdgeOpt.Sweep;

/// <summary>A cluster worker as it describes itself: silo address, host name, EdgeOpt version and how many candidates it evaluates at once.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerInfo(
    [property: Id(0)] string Silo,
    [property: Id(1)] string Host,
    [property: Id(2)] string ToolVersion,
    [property: Id(3)] int Slots);
