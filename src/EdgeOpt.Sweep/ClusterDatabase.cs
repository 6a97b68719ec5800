using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace EdgeOpt.Sweep;

/// <summary>
/// The cluster's PostgreSQL database: Orleans' membership tables (ADO.NET clustering) and EdgeOpt's results table, both
/// created when missing (<see cref="EnsureSchema"/>, idempotent, serialised by an advisory lock so workers starting
/// together do not race). Connection failures become one-line <see cref="UsageException"/>s naming the host and the
/// driver's reason, after at most <see cref="DefaultTimeoutSeconds"/> unless the connection string says otherwise.
/// </summary>
internal static class ClusterDatabase
{
    /// <summary>The ADO.NET invariant Orleans loads the PostgreSQL driver by.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>Orleans' cluster and service id: every worker and coordinator of one database form one cluster.</summary>
    public const string ClusterId = "edgeopt-sweep";

    /// <summary>Names the cluster for a silo or a client: one cluster and service per database.</summary>
    public static void Identify(Orleans.Configuration.ClusterOptions options)
    {
        options.ClusterId = ClusterId;
        options.ServiceId = ClusterId;
    }

    /// <summary>Seconds to wait for a connection when the connection string gives no <c>Timeout</c> (Npgsql's default is 15).</summary>
    public const int DefaultTimeoutSeconds = 5;

    // Any fixed 64-bit number: pg_advisory_xact_lock's key for "creating EdgeOpt's schema" ("EdOpSchm").
    private const long SchemaLock = 0x45644F7053636D;

    private static readonly string[] Scripts = ["PostgreSQL-Main.sql", "PostgreSQL-Clustering.sql", "EdgeOpt-SweepResults.sql"];

    /// <summary>
    /// <paramref name="connectionString"/> checked and completed: <c>Timeout</c> set to <see cref="DefaultTimeoutSeconds"/>
    /// when not given, so an unreachable server is an error in seconds rather than a hang.
    /// </summary>
    /// <exception cref="UsageException">Not a PostgreSQL connection string, or no host.</exception>
    public static string Normalize(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        NpgsqlConnectionStringBuilder builder;
        bool timeoutGiven;
        try
        {
            var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
            timeoutGiven = given.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal)
                .Equals("timeout", StringComparison.OrdinalIgnoreCase) || k.Replace(" ", "", StringComparison.Ordinal).Equals("connecttimeout", StringComparison.OrdinalIgnoreCase));
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--cluster: not a PostgreSQL connection string ({e.Message.Split('\n')[0].Trim()}); expected e.g. 'Host=db.example;Username=edgeopt;Password=...;Database=edgeopt'", e);
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
            throw new UsageException("--cluster: the connection string names no Host; expected e.g. 'Host=db.example;Username=edgeopt;Password=...;Database=edgeopt'");
        if (!timeoutGiven) builder.Timeout = DefaultTimeoutSeconds;
        return builder.ConnectionString;
    }

    /// <summary>Where the connection string points, for messages: <c>host:port/database</c> (never the password).</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}" + (string.IsNullOrEmpty(builder.Database) ? "" : $"/{builder.Database}");
    }

    /// <summary>An open connection to the database.</summary>
    /// <exception cref="UsageException">The server cannot be reached or refuses the login (host and reason in one line).</exception>
    public static NpgsqlConnection Open(NpgsqlDataSource source, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            return source.OpenConnection();
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw Unreachable(connectionString, e);
        }
    }

    /// <summary>Creates Orleans' membership tables and the results table where missing; safe to run from many processes at once.</summary>
    /// <exception cref="UsageException">The database cannot be reached, or the schema cannot be created (the reason in one line).</exception>
    public static void EnsureSchema(NpgsqlDataSource source, string connectionString)
    {
        using var connection = Open(source, connectionString);
        try
        {
            using var transaction = connection.BeginTransaction();
            using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@id);", connection, transaction))
            {
                lockCommand.Parameters.AddWithValue("id", SchemaLock);
                lockCommand.ExecuteNonQuery();
            }
            foreach (var script in Scripts)
            {
                using var command = new NpgsqlCommand(ReadScript(script), connection, transaction);
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        catch (PostgresException e)
        {
            throw new UsageException($"cannot create the sweep schema in the cluster database {Describe(connectionString)}: {e.SqlState}: {e.MessageText}", e);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw Unreachable(connectionString, e);
        }
    }

    /// <summary>The one-line error for a database that cannot be reached: host and the driver's innermost reason.</summary>
    public static UsageException Unreachable(string connectionString, Exception e)
    {
        var reason = FirstLine(e is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : Innermost(e).Message);
        var outer = FirstLine(e.Message).TrimEnd('.');
        // The driver's own line ("Failed to connect to 127.0.0.1:5432") and its cause ("Connection refused"), each once.
        var text = e is PostgresException || outer.Contains(reason.TrimEnd('.'), StringComparison.Ordinal) ? reason : $"{outer}: {reason}";
        return new UsageException($"cannot reach the cluster database {Describe(connectionString)}: {text}", e);
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e;
    }

    private static string ReadScript(string name)
    {
        using var stream = typeof(ClusterDatabase).Assembly.GetManifestResourceStream("EdgeOpt.Sweep.Sql." + name)
            ?? throw new InvalidOperationException($"embedded script {name} is missing from EdgeOpt.Sweep");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
