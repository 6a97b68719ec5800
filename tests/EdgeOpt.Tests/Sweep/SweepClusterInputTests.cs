using System.Net;
using System.Net.Sockets;
using EdgeOpt.Cli;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Sweep;

/// <summary>
/// Bad input to <c>edgeopt sweep --cluster</c> and <c>edgeopt worker</c>, no PostgreSQL needed: an unreachable database
/// is exit 2 with one line naming the host and the driver's reason, and nothing is written.
/// </summary>
public sealed class SweepClusterInputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void An_unreachable_database_is_exit_2_naming_the_host_and_the_reason_and_writes_nothing()
    {
        var demo = DemoAssets.WriteTo(_dir.File("demo")).Model;
        var sweep = _dir.File("sweep.json");
        File.WriteAllText(sweep, $$"""{"models": ["{{Path.GetRelativePath(_dir.Path, demo)}}"], "devices": ["pixel-7"], "precisions": ["fp32"]}""");
        var port = ClosedPort();
        var database = $"Host=127.0.0.1;Port={port};Username=edgeopt;Database=edgeopt";
        var output = _dir.File("results");

        var sweepRun = CliHarness.Run("sweep", sweep, "-o", output, "--cluster", database);
        Assert.True(sweepRun.Code == ExitCodes.Usage, $"exit {sweepRun.Code}: {sweepRun.Err}");
        var sweepLine = LastLine(sweepRun.Err);
        Assert.StartsWith("error: ", sweepLine, StringComparison.Ordinal);
        var workerLine = CliHarness.UsageErrorLine(CliHarness.Run("worker", "--cluster", database));
        var statusLine = CliHarness.UsageErrorLine(CliHarness.Run("sweep", "status", "--cluster", database, "--json"));

        foreach (var line in new[] { sweepLine, workerLine, statusLine })
        {
            Assert.Contains($"cannot reach the cluster database 127.0.0.1:{port}/edgeopt", line, StringComparison.Ordinal);
            Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
        }
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("Host=", "names no Host")]
    [InlineData("Hostx=1;;=", "not a PostgreSQL connection string")]
    public void A_malformed_connection_string_is_exit_2(string connection, string expected)
    {
        var line = CliHarness.UsageErrorLine(CliHarness.Run("worker", "--cluster", connection));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Worker_options_out_of_range_are_listed_with_their_flags()
    {
        var line = CliHarness.UsageErrorLine(CliHarness.Run("worker", "--cluster", "Host=127.0.0.1", "--slots", "0", "--port", "7", "--gateway-port", "7", "--address", "nowhere"));
        Assert.Contains("--slots 0: expected 1 to 1024", line, StringComparison.Ordinal);
        Assert.Contains("--port and --gateway-port are both 7", line, StringComparison.Ordinal);
        Assert.Contains("--address 'nowhere': expected an IP address", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Parallel_with_cluster_is_refused()
    {
        var line = CliHarness.UsageErrorLine(CliHarness.Run("sweep", _dir.File("sweep.json"), "-o", _dir.File("out"), "--cluster", "Host=127.0.0.1", "--parallel", "2"));
        Assert.Contains("--slots", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db.example;Username=edgeopt", 5)]
    [InlineData("Host=db.example;Username=edgeopt;Timeout=30", 30)]
    [InlineData("host=db.example;username=edgeopt;timeout=2", 2)]
    public void The_connection_timeout_is_5_seconds_unless_given(string connection, int seconds)
    {
        var normalized = new Npgsql.NpgsqlConnectionStringBuilder(EdgeOpt.Sweep.ClusterDatabase.Normalize(connection));
        Assert.Equal(seconds, normalized.Timeout);
        Assert.Equal("db.example", normalized.Host);
        Assert.Equal("db.example:5432", EdgeOpt.Sweep.ClusterDatabase.Describe(normalized.ConnectionString));
    }

    [Theory]
    [InlineData("worker")]
    [InlineData("sweep")]
    public void Help_lists_the_cluster_option(string command)
    {
        var (code, output, _) = CliHarness.Run(command, "--help");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("--cluster", output, StringComparison.Ordinal);
    }

    // The sweep prints progress lines before the error; the error is the last line.
    private static string LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];

    // A loopback port nothing listens on: taken from the OS, then released.
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
