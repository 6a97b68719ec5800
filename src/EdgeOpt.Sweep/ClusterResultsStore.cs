using System.Text.Json;
using EdgeOpt.Deployment;
using Npgsql;
using NpgsqlTypes;

namespace EdgeOpt.Sweep;

/// <summary>
/// The cluster's results store: the PostgreSQL table <c>edgeopt_sweep_results</c> (Sql/EdgeOpt-SweepResults.sql), one
/// row per candidate content key (<see cref="CandidateSpec.ComputeKey"/>), the cluster counterpart of the deploy
/// search's SQLite <see cref="ResultsStore"/>. Rows are written once (<c>ON CONFLICT (key) DO NOTHING</c>): a candidate
/// evaluated twice — a retried call, a rerun — is stored exactly once, and the first result stands. Thread-safe (a
/// pooled data source; every call takes its own connection).
/// </summary>
internal sealed class ClusterResultsStore : IDisposable
{
    private readonly NpgsqlDataSource _source;
    private readonly string _connectionString;

    private ClusterResultsStore(NpgsqlDataSource source, string connectionString)
    {
        _source = source;
        _connectionString = connectionString;
    }

    /// <summary>Where the store is, for messages (<c>host:port/database</c>).</summary>
    public string Location => ClusterDatabase.Describe(_connectionString);

    /// <summary>
    /// Connects to the database of <paramref name="connectionString"/> (already <see cref="ClusterDatabase.Normalize"/>d)
    /// and creates the schema where missing.
    /// </summary>
    /// <exception cref="UsageException">The database cannot be reached or the schema cannot be created.</exception>
    public static ClusterResultsStore Open(string connectionString)
    {
        var source = NpgsqlDataSource.Create(connectionString);
        try
        {
            ClusterDatabase.EnsureSchema(source, connectionString);
            return new ClusterResultsStore(source, connectionString);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>Which of <paramref name="keys"/> have a row.</summary>
    public HashSet<string> StoredKeys(IReadOnlyCollection<string> keys)
    {
        var stored = new HashSet<string>(StringComparer.Ordinal);
        if (keys.Count == 0) return stored;
        Run(connection =>
        {
            using var select = new NpgsqlCommand("SELECT key FROM edgeopt_sweep_results WHERE key = ANY(@keys);", connection);
            select.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Char) { Value = keys.ToArray() });
            using var reader = select.ExecuteReader();
            while (reader.Read()) stored.Add(reader.GetString(0).Trim());
            return 0;
        });
        return stored;
    }

    /// <summary>The result stored under <paramref name="key"/>; null when none, or when its row does not read back as that key's result.</summary>
    public CandidateResult? TryGet(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var json = Run(connection =>
        {
            using var select = new NpgsqlCommand("SELECT result_json::text FROM edgeopt_sweep_results WHERE key = @key;", connection);
            select.Parameters.AddWithValue("key", key);
            return select.ExecuteScalar() as string;
        });
        if (json is null) return null;
        try
        {
            var result = CandidateResult.Parse(json, $"{Location} edgeopt_sweep_results row {key}");
            return result.Key == key && result.Spec.ComputeKey() == key ? result : null;
        }
        catch (Exception e) when (e is EdgeOptException or JsonException or ArgumentException)
        {
            return null; // written by another tool version's format: evaluated again, and the row left to whoever wrote it
        }
    }

    /// <summary>
    /// Stores <paramref name="result"/> under its key unless a row is there already; true when this call wrote it.
    /// </summary>
    /// <exception cref="ArgumentException">The result's key is not its spec's key.</exception>
    public bool Put(CandidateResult result, string sweepId, string worker, DateTimeOffset started, DateTimeOffset finished)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Key != result.Spec.ComputeKey())
            throw new ArgumentException($"result key {result.Key} is not its spec's key {result.Spec.ComputeKey()}", nameof(result));
        return Run(connection =>
        {
            using var insert = new NpgsqlCommand("""
                INSERT INTO edgeopt_sweep_results
                    (key, sweep_id, model, model_sha256, device, precision, status, spec_json, result_json, host_fingerprint, tool_version, started, finished, worker)
                VALUES (@key, @sweep, @model, @modelSha, @device, @precision, @status, @spec::json, @result::json, @host, @version, @started, @finished, @worker)
                ON CONFLICT (key) DO NOTHING;
                """, connection);
            insert.Parameters.AddWithValue("key", result.Key);
            insert.Parameters.AddWithValue("sweep", sweepId);
            insert.Parameters.AddWithValue("model", Path.GetFileName(result.Spec.ModelPath));
            insert.Parameters.AddWithValue("modelSha", result.Spec.ModelSha256);
            insert.Parameters.AddWithValue("device", result.Spec.Device);
            insert.Parameters.AddWithValue("precision", SweepPrecisions.Name(result.Spec.Precision));
            insert.Parameters.AddWithValue("status", result.Status.ToString().ToLowerInvariant());
            insert.Parameters.AddWithValue("spec", result.Spec.ToJson());
            insert.Parameters.AddWithValue("result", result.ToJson());
            insert.Parameters.AddWithValue("host", (object?)result.Host ?? DBNull.Value);
            insert.Parameters.AddWithValue("version", result.Spec.ToolVersion);
            insert.Parameters.AddWithValue("started", started.ToUniversalTime());
            insert.Parameters.AddWithValue("finished", finished.ToUniversalTime());
            insert.Parameters.AddWithValue("worker", worker);
            return insert.ExecuteNonQuery() == 1;
        });
    }

    /// <summary>How many rows the table holds for <paramref name="sweepId"/> (every sweep when null).</summary>
    public int Count(string? sweepId = null) => Run(connection =>
    {
        using var count = new NpgsqlCommand(sweepId is null
            ? "SELECT COUNT(*) FROM edgeopt_sweep_results;"
            : "SELECT COUNT(*) FROM edgeopt_sweep_results WHERE sweep_id = @sweep;", connection);
        if (sweepId is not null) count.Parameters.AddWithValue("sweep", sweepId);
        return Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    });

    /// <summary>The silos Orleans' membership table lists as active in the sweep cluster: address, port, generation.</summary>
    public IReadOnlyList<(string Address, int Port, int Generation)> ActiveSilos() => Run(connection =>
    {
        using var select = new NpgsqlCommand(
            "SELECT Address, Port, Generation FROM OrleansMembershipTable WHERE DeploymentId = @cluster AND Status = 3 ORDER BY Address, Port;", connection);
        select.Parameters.AddWithValue("cluster", ClusterDatabase.ClusterId);
        using var reader = select.ExecuteReader();
        var silos = new List<(string, int, int)>();
        while (reader.Read()) silos.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2)));
        return (IReadOnlyList<(string, int, int)>)silos;
    });

    public void Dispose() => _source.Dispose();

    private T Run<T>(Func<NpgsqlConnection, T> body)
    {
        using var connection = ClusterDatabase.Open(_source, _connectionString);
        try
        {
            return body(connection);
        }
        catch (PostgresException e)
        {
            throw new UsageException($"cluster database {Location}: {e.SqlState}: {e.MessageText}", e);
        }
        catch (NpgsqlException e)
        {
            throw ClusterDatabase.Unreachable(_connectionString, e);
        }
    }
}
