using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace EdgeOpt.Sweep;

/// <summary>
/// <c>edgeopt sweep status --cluster</c>: the sweep cluster's state read from its database alone, no dashboard and no
/// call to any worker — the silos Orleans' membership table lists as not dead (<see cref="ClusterMember"/>, with each
/// worker's version and slots from its silo name) and per sweep id the rows of <c>edgeopt_sweep_results</c>
/// (<see cref="SweepSummary"/>). Read-only: a database without the tables (no worker or sweep has run yet) is an empty
/// cluster, not an error.
/// </summary>
public sealed record ClusterStatus(string Database, IReadOnlyList<ClusterMember> Workers, int DeadSilos, IReadOnlyList<SweepSummary> Sweeps)
{
    // Orleans' SiloStatus values as the membership table stores them.
    private static readonly string[] StatusNames = ["none", "created", "joining", "active", "shutting-down", "stopping", "dead"];
    private const int Dead = 6;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    /// <summary>Reads the state of the cluster whose database <paramref name="connectionString"/> names.</summary>
    /// <exception cref="UsageException">Malformed connection string, unreachable database or a database error (one line).</exception>
    public static ClusterStatus Read(string connectionString)
    {
        var normalized = ClusterDatabase.Normalize(connectionString);
        using var source = NpgsqlDataSource.Create(normalized);
        using var connection = ClusterDatabase.Open(source, normalized);
        try
        {
            var (workers, dead) = ReadMembers(connection);
            return new ClusterStatus(ClusterDatabase.Describe(normalized), workers, dead, ReadSweeps(connection));
        }
        catch (PostgresException e)
        {
            throw new UsageException($"cluster database {ClusterDatabase.Describe(normalized)}: {e.SqlState}: {e.MessageText}", e);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw ClusterDatabase.Unreachable(normalized, e);
        }
    }

    /// <summary>The JSON form (<c>--json</c>): <c>database</c>, <c>workers[]</c>, <c>deadSilos</c>, <c>sweeps[]</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    private static (IReadOnlyList<ClusterMember>, int) ReadMembers(NpgsqlConnection connection)
    {
        if (!TableExists(connection, "orleansmembershiptable")) return ([], 0);
        using var select = new NpgsqlCommand("""
            SELECT Address, Port, ProxyPort, HostName, SiloName, Status, StartTime, IAmAliveTime
            FROM OrleansMembershipTable WHERE DeploymentId = @cluster ORDER BY Address, Port, Generation;
            """, connection);
        select.Parameters.AddWithValue("cluster", ClusterDatabase.ClusterId);
        using var reader = select.ExecuteReader();
        var members = new List<ClusterMember>();
        var dead = 0;
        while (reader.Read())
        {
            var status = reader.GetInt32(5);
            if (status == Dead)
            {
                dead++;
                continue;
            }
            var isWorker = WorkerSiloName.TryParse(reader.GetString(4), out var slots, out var version);
            members.Add(new ClusterMember(
                reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.GetString(3),
                status >= 0 && status < StatusNames.Length ? StatusNames[status] : $"status-{status}",
                reader.GetFieldValue<DateTimeOffset>(6).ToUniversalTime(), reader.GetFieldValue<DateTimeOffset>(7).ToUniversalTime(),
                isWorker ? version : null, isWorker ? slots : null));
        }
        return (members, dead);
    }

    private static IReadOnlyList<SweepSummary> ReadSweeps(NpgsqlConnection connection)
    {
        if (!TableExists(connection, "edgeopt_sweep_results")) return [];
        using var select = new NpgsqlCommand("""
            SELECT sweep_id, COUNT(*) FILTER (WHERE status = 'evaluated'), COUNT(*) FILTER (WHERE status = 'failed'),
                   COUNT(DISTINCT worker), MIN(started), MAX(finished)
            FROM edgeopt_sweep_results GROUP BY sweep_id ORDER BY MAX(finished) DESC, sweep_id;
            """, connection);
        using var reader = select.ExecuteReader();
        var sweeps = new List<SweepSummary>();
        while (reader.Read())
            sweeps.Add(new SweepSummary(reader.GetString(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2), (int)reader.GetInt64(3),
                reader.GetFieldValue<DateTimeOffset>(4).ToUniversalTime(), reader.GetFieldValue<DateTimeOffset>(5).ToUniversalTime()));
        return sweeps;
    }

    // Unquoted identifiers are folded to lower case, so Orleans' OrleansMembershipTable is orleansmembershiptable.
    private static bool TableExists(NpgsqlConnection connection, string table)
    {
        using var select = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL;", connection);
        select.Parameters.AddWithValue("table", table);
        return (bool)select.ExecuteScalar()!;
    }
}
