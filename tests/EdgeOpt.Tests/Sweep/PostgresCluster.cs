using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace EdgeOpt.Tests.Sweep;

/// <summary>
/// A throwaway PostgreSQL server for the cluster tests: Debian's <c>postgresql</c> (<c>/usr/lib/postgresql/N/bin</c>),
/// <c>initdb</c> into a temporary folder and <c>pg_ctl start</c> on a free loopback port with its socket in that folder,
/// as the unprivileged <c>nobody</c> when the tests run as root (PostgreSQL refuses root). Stopped and deleted in
/// <see cref="Dispose"/>. Each test takes its own database (<see cref="CreateDatabase"/>): Orleans' membership and the
/// results table are per database, so tests never see each other's workers or results.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private const string Superuser = "edgeopt";
    private readonly string _folder;
    private readonly string _bin;
    private int _databases;

    public PostgresCluster()
    {
        _bin = FindBin();
        _folder = Path.Combine("/tmp", "edgeopt-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        try
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (IsRoot) Run("chown", "nobody:nogroup", _folder);
            Port = FreePort();
            RunPostgres("initdb", "-D", Data, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions");
            RunPostgres("pg_ctl", "-D", Data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "120", "-o",
                $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The server's TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    private string Data => Path.Combine(_folder, "data");

    private static bool IsRoot => Environment.IsPrivilegedProcess;

    /// <summary>A new, empty database; its connection string.</summary>
    public string CreateDatabase()
    {
        var name = $"sweep_{Interlocked.Increment(ref _databases)}";
        using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name};", connection);
            create.ExecuteNonQuery();
        }
        return ConnectionString(name);
    }

    public void Dispose()
    {
        try
        {
            if (File.Exists(Path.Combine(Data, "postmaster.pid"))) RunPostgres("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped; the folder goes anyway.
        }
        NpgsqlConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={Superuser};Database={database};Pooling=false";

    private static string FindBin()
    {
        var root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): the sweep cluster tests need Debian's postgresql package " +
            "(scripts/test.sh installs it: apt-get install postgresql)");
    }

    private void RunPostgres(string tool, params string[] args)
    {
        var program = Path.Combine(_bin, tool);
        if (IsRoot) Run("runuser", ["-u", "nobody", "--", program, .. args]);
        else Run(program, args);
    }

    private static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = "/tmp", // nobody cannot stat the test runner's folder
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} did not finish in 3 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result.Trim()} {stdout.Result.Trim()}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
