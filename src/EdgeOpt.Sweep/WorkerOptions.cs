using System.Net;

namespace EdgeOpt.Sweep;

/// <summary>
/// An <c>edgeopt worker</c>: the cluster's PostgreSQL connection string, how many candidates it evaluates at once, and
/// where other silos and the coordinator reach it (Orleans' silo-to-silo and gateway ports on <see cref="Address"/>).
/// </summary>
public sealed record WorkerOptions
{
    /// <summary>Orleans' default silo port.</summary>
    public const int DefaultPort = 11111;

    /// <summary>Orleans' default gateway (client) port.</summary>
    public const int DefaultGatewayPort = 30000;

    /// <summary>The cluster database (Npgsql connection string); <c>Timeout</c> defaults to 5 s.</summary>
    public required string Cluster { get; init; }

    /// <summary>Candidates evaluated at once (≥ 1; 1 keeps this host's latencies free of each other's load).</summary>
    public int Slots { get; init; } = 1;

    /// <summary>The IP address other machines reach this worker at; null: this machine's first non-loopback IPv4 address (loopback when it has none).</summary>
    public string? Address { get; init; }

    /// <summary>The silo-to-silo port (TCP, 1–65535).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The gateway port the coordinator connects to (TCP, 1–65535, not <see cref="Port"/>).</summary>
    public int GatewayPort { get; init; } = DefaultGatewayPort;

    /// <summary>Every problem, each naming the member (<c>WorkerOptions.Slots</c>); empty when the worker can start.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (string.IsNullOrWhiteSpace(Cluster)) problems.Add(new("{0} is empty: expected a PostgreSQL connection string", Name(nameof(Cluster))));
        if (Slots is < 1 or > 1024) problems.Add(new($"{{0}} {Slots}: expected 1 to 1024", Name(nameof(Slots))));
        if (Address is not null && !IPAddress.TryParse(Address, out _)) problems.Add(new($"{{0}} '{Address}': expected an IP address", Name(nameof(Address))));
        if (Port is < 1 or > 65535) problems.Add(new($"{{0}} {Port}: expected 1 to 65535", Name(nameof(Port))));
        if (GatewayPort is < 1 or > 65535) problems.Add(new($"{{0}} {GatewayPort}: expected 1 to 65535", Name(nameof(GatewayPort))));
        if (Port == GatewayPort) problems.Add(new($"{{0}} and {{1}} are both {Port}: give two ports", Name(nameof(Port)), Name(nameof(GatewayPort))));
        return problems;
    }

    private static string Name(string member) => $"{nameof(WorkerOptions)}.{member}";
}
