using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace EdgeOpt.Deployment;

/// <summary>
/// The deploy search's local cache of candidate results, keyed by <see cref="CandidateSpec.ComputeKey"/>, in one SQLite
/// file (<see cref="DefaultPath"/>): a rerun, or a run after an interruption, takes every result already measured.
/// <para>
/// Two processes may share a store: it runs in WAL mode (readers never block the writer) and waits up to
/// <see cref="BusyTimeout"/> for the other's write lock. A row whose JSON does not parse, or whose key is not its
/// spec's key, is deleted and reported missing, so the caller recomputes it. The file carries EdgeOpt's SQLite
/// application id: a damaged file with that id is replaced; any other file is refused, never overwritten.
/// </para>
/// </summary>
internal sealed class ResultsStore : IDisposable
{
    /// <summary>SQLite's header field <c>application_id</c> of an EdgeOpt store: "EdOp".</summary>
    public const int ApplicationId = 0x45644F70;

    /// <summary>How long a write waits for another process's lock before failing.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    private const int SchemaVersion = 1;
    private static readonly byte[] SqliteMagic = "SQLite format 3\0"u8.ToArray();

    private readonly SqliteConnection _connection;

    private ResultsStore(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    /// <summary>The store's file.</summary>
    public string Path { get; }

    /// <summary><c>$XDG_CACHE_HOME/edgeopt/results.db</c>, or <c>~/.cache/edgeopt/results.db</c> (XDG's default) without it.</summary>
    public static string DefaultPath()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache) || !System.IO.Path.IsPathRooted(cache))
            cache = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return System.IO.Path.Combine(cache, "edgeopt", "results.db");
    }

    /// <summary>Opens the store at <paramref name="path"/>, creating the file (and its folder) and the schema when missing.</summary>
    /// <exception cref="UsageException">The file is not an EdgeOpt store (left untouched), or it cannot be created or opened.</exception>
    public static ResultsStore Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new UsageException($"results store {path} is a folder; give a file path");
        switch (Classify(full))
        {
            case FileKind.Foreign:
                throw new UsageException($"{path} is not an EdgeOpt results store (not written by EdgeOpt); it was left untouched: move it or choose another store path");
        }
        try
        {
            return Connect(path, full);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26) // SQLITE_CORRUPT, SQLITE_NOTADB
        {
            // Ours by its header, but damaged: the cache only saves time, so start it again.
            Delete(full);
            return Connect(path, full);
        }
    }

    private static ResultsStore Connect(string path, string full)
    {
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = full,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false, // Dispose closes the file: a test, or the user, may delete it right after.
                DefaultTimeout = (int)BusyTimeout.TotalSeconds,
            }.ToString());
            try
            {
                connection.Open();
                Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};"));
                // The id first, while a new file is still in rollback-journal mode, so it lands in the main file's header
                // (where Classify reads it) at once rather than in the write-ahead log.
                Execute(connection, string.Create(CultureInfo.InvariantCulture, $"""
                    PRAGMA application_id = {ApplicationId};
                    PRAGMA user_version = {SchemaVersion};
                    CREATE TABLE IF NOT EXISTS results (
                        key TEXT PRIMARY KEY NOT NULL,
                        spec_json TEXT NOT NULL,
                        result_json TEXT NOT NULL,
                        tool_version TEXT NOT NULL,
                        created TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """));
                Execute(connection, "PRAGMA journal_mode = WAL;");
                return new ResultsStore(path, connection);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException || e is SqliteException { SqliteErrorCode: not (11 or 26) })
        {
            throw new UsageException($"cannot open the results store {path}: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>The result stored under <paramref name="key"/>; null when none, or when the row was unreadable (then it is deleted).</summary>
    public CandidateResult? TryGet(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        string json;
        using (var select = Command("SELECT result_json FROM results WHERE key = $key;"))
        {
            select.Parameters.AddWithValue("$key", key);
            if (select.ExecuteScalar() is not string text) return null;
            json = text;
        }
        try
        {
            var result = CandidateResult.Parse(json, "results store entry");
            if (result.Key == key && result.Spec.ComputeKey() == key) return result;
        }
        catch (Exception e) when (e is EdgeOptException or JsonException or ArgumentException)
        {
            // Unreadable: fall through to forget it.
        }
        using var delete = Command("DELETE FROM results WHERE key = $key;");
        delete.Parameters.AddWithValue("$key", key);
        delete.ExecuteNonQuery();
        return null;
    }

    /// <summary>Stores <paramref name="result"/> under its key, replacing what was there.</summary>
    /// <exception cref="ArgumentException">The result's key is not its spec's key.</exception>
    public void Put(CandidateResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Key != result.Spec.ComputeKey())
            throw new ArgumentException($"result key {result.Key} is not its spec's key {result.Spec.ComputeKey()}", nameof(result));
        using var upsert = Command("""
            INSERT INTO results (key, spec_json, result_json, tool_version, created) VALUES ($key, $spec, $result, $version, $created)
            ON CONFLICT(key) DO UPDATE SET spec_json = excluded.spec_json, result_json = excluded.result_json,
                tool_version = excluded.tool_version, created = excluded.created;
            """);
        upsert.Parameters.AddWithValue("$key", result.Key);
        upsert.Parameters.AddWithValue("$spec", result.Spec.ToJson());
        upsert.Parameters.AddWithValue("$result", result.ToJson());
        upsert.Parameters.AddWithValue("$version", result.Spec.ToolVersion);
        upsert.Parameters.AddWithValue("$created", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        upsert.ExecuteNonQuery();
    }

    /// <summary>How many results the store holds.</summary>
    public int Count
    {
        get
        {
            using var count = Command("SELECT COUNT(*) FROM results;");
            return Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    public void Dispose() => _connection.Dispose();

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    // Empty: a zero-byte file, which SQLite takes as a new database (nothing in it to lose).
    private enum FileKind { Missing, Empty, Ours, Foreign }

    // From the 100-byte SQLite header alone: a damaged store must still be recognised as ours.
    private static FileKind Classify(string path)
    {
        if (!File.Exists(path)) return FileKind.Missing;
        var header = new byte[100];
        int read;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (stream.Length == 0) return FileKind.Empty;
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read the results store {path}: {e.Message}", e);
        }
        if (read < header.Length || !header.AsSpan(0, SqliteMagic.Length).SequenceEqual(SqliteMagic)) return FileKind.Foreign;
        var id = (header[68] << 24) | (header[69] << 16) | (header[70] << 8) | header[71];
        return id == ApplicationId ? FileKind.Ours : FileKind.Foreign;
    }

    private static void Delete(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
            if (File.Exists(file)) File.Delete(file);
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
