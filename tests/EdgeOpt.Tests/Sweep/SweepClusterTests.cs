using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Deployment;
using EdgeOpt.Sweep;
using EdgeOpt.Tests.Cli;
using EdgeOpt.Tests.Safety;
using Npgsql;

namespace EdgeOpt.Tests.Sweep;

/// <summary>
/// <c>edgeopt sweep --cluster</c> on a real cluster: a throwaway PostgreSQL (<see cref="PostgresCluster"/>), separate
/// <c>edgeopt worker</c> processes on loopback ports, and the coordinator. Every result lands in
/// <c>edgeopt_sweep_results</c> exactly once, a rerun evaluates none, a worker of another EdgeOpt version is refused,
/// and a worker killed mid-sweep costs nothing but time. Every process is killed in Dispose, whatever happened.
/// </summary>
public sealed class SweepClusterTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>, IDisposable
{
    private readonly TempDir _dir = new();
    private readonly List<CliProcess> _processes = [];

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Two_workers_evaluate_every_candidate_once_another_version_is_refused_and_a_rerun_evaluates_none()
    {
        var database = postgres.CreateDatabase();
        var sweep = WriteDemoSweep(latencyRuns: 3);
        StartWorker(database, slots: 1);
        StartWorker(database, slots: 2);
        var oldProcess = StartProcessWorker(database, slots: 1, version: "0.0.1-older", out var oldPort);
        var old = $"127.0.0.1:{oldPort}@";
        WaitForMembers(database, 3);

        var output = _dir.File("results");
        var first = CliHarness.Run("sweep", sweep, "-o", output, "--cluster", database, "--json");

        Assert.True(first.Code == ExitCodes.Ok, $"exit {first.Code}: {first.Err}");
        Assert.Contains("4 evaluated, 0 from the results store", first.Err, StringComparison.Ordinal);
        Assert.Contains("runs EdgeOpt 0.0.1-older, this sweep", first.Err, StringComparison.Ordinal);
        Assert.Contains("it refuses work it would evaluate differently", first.Err, StringComparison.Ordinal);
        var rows = Rows(database);
        Assert.Equal(4, rows.Count);
        Assert.Equal(4, rows.Select(r => r.Key).Distinct().Count());
        Assert.All(rows, r => Assert.Equal("evaluated", r.Status));
        Assert.All(rows, r => Assert.Equal(CandidateSpec.CurrentToolVersion, r.ToolVersion));
        Assert.All(rows, r => Assert.DoesNotContain(old, r.Worker, StringComparison.Ordinal));
        Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r.Host)));
        using (var report = JsonDocument.Parse(first.Out))
        {
            var candidates = report.RootElement.GetProperty("models")[0].GetProperty("devices").EnumerateArray()
                .SelectMany(d => d.GetProperty("candidates").EnumerateArray()).ToList();
            Assert.Equal(4, candidates.Count);
            Assert.All(candidates, c => Assert.Equal("evaluated", c.GetProperty("status").GetString()));
        }
        using (var store = ResultsStore.Open(Path.Combine(output, "results.db")))
            Assert.Equal(4, store.Count);

        // A rerun into a new folder: every key is in the cluster's table, so nothing is sent to a worker.
        var second = CliHarness.Run("sweep", sweep, "-o", _dir.File("again"), "--cluster", database, "--json");
        Assert.True(second.Code == ExitCodes.Ok, $"exit {second.Code}: {second.Err}");
        Assert.Contains("0 evaluated, 4 from the results store", second.Err, StringComparison.Ordinal);
        Assert.Equal(first.Out, second.Out);
        Assert.Equal(4, Rows(database).Count);
        var rendered = CliHarness.Run("sweep", "report", _dir.File("again"), "--json");
        Assert.Equal(first.Out, rendered.Out);

        // SIGTERM: the worker leaves the cluster gracefully (membership no longer lists it as active) and exits 0.
        oldProcess.Signal(CliProcess.SigTerm);
        var (code, _, err) = oldProcess.WaitForExit();
        Assert.True(code == ExitCodes.Ok, $"exit {code}: {err}");
        Assert.Contains("worker: leaving the cluster", err, StringComparison.Ordinal);
        Assert.Equal(2, Query(database, "SELECT COUNT(*) FROM OrleansMembershipTable WHERE Status = 3;"));
    }

    [Fact]
    public void A_worker_killed_mid_sweep_costs_only_time_and_every_result_is_stored_once()
    {
        var database = postgres.CreateDatabase();
        // Enough timed runs that the first worker is still busy when its first result lands.
        var sweep = WriteDemoSweep(latencyRuns: 3000);
        var doomed = StartProcessWorker(database, slots: 1, version: null);
        WaitForMembers(database, 1);

        using var coordinator = CliProcess.Start("sweep", sweep, "-o", _dir.File("results"), "--cluster", database, "--json");
        Assert.True(coordinator.WaitUntil(() => CountRows(database) >= 1), "no result was stored by the first worker");
        doomed.Signal(CliProcess.SigKill);
        StartWorker(database, slots: 1);
        var (code, _, stderr) = coordinator.WaitForExit();

        Assert.True(code == ExitCodes.Ok, $"exit {code}: {stderr}");
        Assert.Contains("4 evaluated, 0 from the results store", stderr, StringComparison.Ordinal);
        var rows = Rows(database);
        Assert.Equal(4, rows.Count);
        Assert.Equal(4, rows.Select(r => r.Key).Distinct().Count());
        Assert.All(rows, r => Assert.Equal("evaluated", r.Status));
    }

    [Fact]
    public void A_coordinator_killed_mid_sweep_and_run_again_completes_the_sweep_with_every_key_once()
    {
        var database = postgres.CreateDatabase();
        var sweep = WriteDemoSweep(latencyRuns: 3000);
        StartWorker(database, slots: 1);
        WaitForMembers(database, 1);
        var output = _dir.File("results");

        using (var killed = CliProcess.Start("sweep", sweep, "-o", output, "--cluster", database, "--json"))
        {
            Assert.True(killed.WaitUntil(() => CountRows(database) >= 1), "no result was stored before the coordinator was killed");
            killed.Signal(CliProcess.SigKill);
            killed.WaitForExit();
        }
        var (code, _, stderr) = CliHarness.Run("sweep", sweep, "-o", output, "--cluster", database, "--json");

        Assert.True(code == ExitCodes.Ok, $"exit {code}: {stderr}");
        var counts = System.Text.RegularExpressions.Regex.Match(stderr, @"(\d+) evaluated, (\d+) from the results store");
        Assert.True(counts.Success, stderr);
        Assert.Equal(4, int.Parse(counts.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + int.Parse(counts.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(int.Parse(counts.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1, stderr);
        var rows = Rows(database);
        Assert.Equal(4, rows.Count);
        Assert.Equal(4, rows.Select(r => r.Key).Distinct().Count());
        Assert.All(rows, r => Assert.Equal("evaluated", r.Status));
        using (var store = ResultsStore.Open(Path.Combine(output, "results.db")))
            Assert.Equal(4, store.Count);
    }

    [Fact]
    public void A_candidate_whose_evaluation_fails_twice_is_stored_as_failed_with_its_error()
    {
        var database = postgres.CreateDatabase();
        var sweep = WriteDemoSweep(latencyRuns: 2, devices: "\"pixel-7\"", precisions: "\"fp32\"");
        StartProcessWorker(database, slots: 1, version: null, environment: [$"{SweepWorker.TestFailHook}=1"], out _);
        WaitForMembers(database, 1);

        var (code, _, stderr) = CliHarness.Run("sweep", sweep, "-o", _dir.File("results"), "--cluster", database, "--json");

        Assert.True(code is ExitCodes.Ok or ExitCodes.ConstraintsNotMet, $"exit {code}: {stderr}");
        Assert.Contains("attempt 1 failed", stderr, StringComparison.Ordinal);
        Assert.Contains("failed 2 times on the cluster's workers", stderr, StringComparison.Ordinal);
        var row = Assert.Single(Rows(database));
        Assert.Equal("failed", row.Status);
        Assert.Equal("coordinator", row.Worker);

        // sweep status: the worker with its slots and version from the membership table, the sweep with its failed row.
        var status = CliHarness.Run("sweep", "status", "--cluster", database, "--json");
        Assert.True(status.Code == ExitCodes.Ok, $"exit {status.Code}: {status.Err}");
        using (var json = JsonDocument.Parse(status.Out))
        {
            var worker = Assert.Single(json.RootElement.GetProperty("workers").EnumerateArray());
            Assert.Equal("127.0.0.1", worker.GetProperty("address").GetString());
            Assert.Equal("active", worker.GetProperty("status").GetString());
            Assert.Equal(1, worker.GetProperty("slots").GetInt32());
            Assert.Equal(CandidateSpec.CurrentToolVersion, worker.GetProperty("toolVersion").GetString());
            var summary = Assert.Single(json.RootElement.GetProperty("sweeps").EnumerateArray());
            Assert.Equal(0, summary.GetProperty("evaluated").GetInt32());
            Assert.Equal(1, summary.GetProperty("failed").GetInt32());
            Assert.Equal(Query<string>(database, "SELECT sweep_id FROM edgeopt_sweep_results;"), summary.GetProperty("sweepId").GetString());
        }
        var table = CliHarness.Run("sweep", "status", "--cluster", database);
        Assert.True(table.Code == ExitCodes.Ok, $"exit {table.Code}: {table.Err}");
        Assert.Contains("127.0.0.1:", table.Out, StringComparison.Ordinal);
        Assert.Contains(Query<string>(database, "SELECT sweep_id FROM edgeopt_sweep_results;"), table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Sweep_status_of_an_empty_database_lists_nothing_and_creates_nothing()
    {
        var database = postgres.CreateDatabase();

        var (code, stdout, stderr) = CliHarness.Run("sweep", "status", "--cluster", database, "--json");

        Assert.True(code == ExitCodes.Ok, $"exit {code}: {stderr}");
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(0, json.RootElement.GetProperty("workers").GetArrayLength());
        Assert.Equal(0, json.RootElement.GetProperty("sweeps").GetArrayLength());
        Assert.Equal(0, Query(database, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public';"));
        Assert.Contains("No worker in the cluster", CliHarness.Run("sweep", "status", "--cluster", database).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workers_fetch_models_from_the_models_url_verified_and_cached_and_a_model_not_there_fails_only_its_candidates()
    {
        var database = postgres.CreateDatabase();
        var cache = _dir.File("worker-cache");
        StartProcessWorker(database, slots: 1, version: null, environment: [$"XDG_CACHE_HOME={cache}"], out _);
        WaitForMembers(database, 1);
        var missingSweep = WriteDemoSweep(latencyRuns: 2, devices: "\"pixel-7\"", precisions: "\"fp32\"");
        var demo = Path.Combine(_dir.Path, "demo");
        var sha = ContentHash.OfFile(Directory.GetFiles(demo, "*.onnx").Single());
        await using var server = new EdgeOpt.Web.Serving.BundleServer();
        var url = await server.StartAsync(demo);

        // Served from a folder without the model: its candidate fails with the URL and the hash.
        var missing = CliHarness.Run("sweep", missingSweep, "-o", _dir.File("missing"), "--cluster", database, "--models-url", new Uri(url, "elsewhere/").AbsoluteUri);
        Assert.True(missing.Code is ExitCodes.Ok or ExitCodes.ConstraintsNotMet, $"exit {missing.Code}: {missing.Err}");
        var failed = Assert.Single(Rows(database));
        Assert.Equal("failed", failed.Status);
        var reason = Reason(database, failed.Key);
        Assert.Contains(new Uri(url, "elsewhere/fashion-cnn.onnx").AbsoluteUri, reason, StringComparison.Ordinal);
        Assert.Contains(sha, reason, StringComparison.Ordinal);

        var sweep = WriteDemoSweep(latencyRuns: 3, devices: "\"pixel-7\"", precisions: "\"fp32\", \"fp16\"");
        var (code, _, stderr) = CliHarness.Run("sweep", sweep, "-o", _dir.File("results"), "--cluster", database, "--models-url", url.AbsoluteUri);

        Assert.True(code == ExitCodes.Ok, $"exit {code}: {stderr}");
        Assert.Contains("2 evaluated, 0 from the results store", stderr, StringComparison.Ordinal);
        var rows = Rows(database).Where(r => r.Key != failed.Key).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("evaluated", r.Status));
        Assert.True(File.Exists(Path.Combine(cache, "edgeopt", "sweep-models", sha + ".onnx")), "the worker's cache has no copy of the model");
        Assert.Equal("fashion-cnn.onnx", Query<string>(database, $"SELECT DISTINCT model FROM edgeopt_sweep_results WHERE key <> '{failed.Key}';"));
    }

    private string WriteDemoSweep(int latencyRuns, string devices = "\"pixel-7\", \"raspberry-pi-4\"", string precisions = "\"fp32\", \"int8-dynamic\"")
    {
        var demo = Directory.Exists(_dir.File("demo")) ? Directory.GetFiles(_dir.File("demo"), "*.onnx").Single() : DemoAssets.WriteTo(_dir.File("demo")).Model;
        var path = _dir.File("sweep.json");
        File.WriteAllText(path, $$"""
            {"models": ["{{Path.GetRelativePath(_dir.Path, demo)}}"], "devices": [{{devices}}],
             "precisions": [{{precisions}}], "latencyRuns": {{latencyRuns}}}
            """);
        return path;
    }

    // Returns the worker's silo-to-silo port, part of its silo address ("127.0.0.1:PORT@generation").
    private string StartWorker(string database, int slots, string? version = null)
    {
        StartProcessWorker(database, slots, version, out var port);
        return $"127.0.0.1:{port}@";
    }

    private CliProcess StartProcessWorker(string database, int slots, string? version) => StartProcessWorker(database, slots, version, [], out _);

    private CliProcess StartProcessWorker(string database, int slots, string? version, out int port) => StartProcessWorker(database, slots, version, [], out port);

    private CliProcess StartProcessWorker(string database, int slots, string? version, string[] environment, out int port)
    {
        port = FreePort();
        var gateway = FreePort();
        if (version is not null) environment = [.. environment, $"{SweepWorker.TestVersionHook}={version}"];
        var process = CliProcess.StartWithEnvironment(environment, "worker", "--cluster", database, "--slots", slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--address", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", gateway.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _processes.Add(process);
        return process;
    }

    // Until Orleans' membership table lists `count` active silos (the table appears with the first worker).
    private void WaitForMembers(string database, int count)
    {
        var clock = Stopwatch.StartNew();
        while (Query(database, "SELECT COUNT(*) FROM OrleansMembershipTable WHERE Status = 3;") < count)
        {
            var exited = _processes.FirstOrDefault(p => p.HasExited);
            if (exited is not null) Assert.Fail($"a worker exited before joining: {exited.WaitForExit().Err}");
            if (clock.Elapsed > TimeSpan.FromMinutes(3)) Assert.Fail($"{count} workers did not join in 3 minutes");
            Thread.Sleep(200);
        }
    }

    private static string Reason(string database, string key) =>
        Query<string>(database, $"SELECT result_json->>'reason' FROM edgeopt_sweep_results WHERE key = '{key}';");

    private static T Query<T>(string database, string sql)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return (T)command.ExecuteScalar()!;
    }

    private static int CountRows(string database) => Query(database, "SELECT COUNT(*) FROM edgeopt_sweep_results;");

    private static int Query(string database, string sql)
    {
        try
        {
            using var connection = new NpgsqlConnection(database);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    private static List<(string Key, string Status, string ToolVersion, string Worker, string? Host)> Rows(string database)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT key, status, tool_version, worker, host_fingerprint FROM edgeopt_sweep_results;", connection);
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string, string, string, string?)>();
        while (reader.Read())
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        return rows;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
