using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using EdgeOpt.Deployment;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace EdgeOpt.Sweep;

/// <summary>
/// <c>edgeopt worker</c>: an Orleans silo that joins the sweep cluster through ADO.NET clustering on PostgreSQL
/// (membership in Orleans' tables, created when missing) and evaluates candidates the coordinator sends its
/// <see cref="WorkerGrain"/>, <see cref="WorkerOptions.Slots"/> at once.
/// <code>
/// await using var worker = await SweepWorker.StartAsync(new WorkerOptions { Cluster = "Host=db;Username=edgeopt;Password=…" });
/// </code>
/// </summary>
public sealed class SweepWorker : IAsyncDisposable
{
    /// <summary>
    /// Test hook, inert unless set: the EdgeOpt version a worker claims instead of its own, so tests can start a worker
    /// of "another build" (documented in docs/cli.md, <c>edgeopt worker</c>).
    /// </summary>
    public const string TestVersionHook = "EDGEOPT_TEST_WORKER_VERSION";

    /// <summary>
    /// Test hook, inert unless set to 1: the worker fails every call to evaluate (as a worker that crashes on a
    /// candidate would), so tests can see a candidate stored as failed after <c>ClusterCoordinator.MaxAttempts</c>.
    /// </summary>
    public const string TestFailHook = "EDGEOPT_TEST_WORKER_FAIL";

    /// <summary>
    /// Measurement hook, inert unless set to a number of milliseconds: the worker sleeps that long in a slot instead of
    /// evaluating, and stores a failed result whose reason says so (never mistaken for a measurement), so
    /// scripts/sweep/scaling.sh can time the cluster's coordination overhead per candidate.
    /// </summary>
    public const string TestSleepHook = "EDGEOPT_TEST_WORKER_SLEEP_MS";

    private readonly IHost _host;
    private readonly WorkerSlots _slots;

    private SweepWorker(IHost host, WorkerSlots slots, string silo)
    {
        _host = host;
        _slots = slots;
        Silo = silo;
    }

    /// <summary>This worker's silo address (<c>ip:port@generation</c>), the key of its <see cref="IWorkerGrain"/>.</summary>
    public string Silo { get; }

    /// <summary>The EdgeOpt version it evaluates with.</summary>
    public string ToolVersion => _slots.ToolVersion;

    /// <summary>Creates the cluster schema where missing and starts the silo; returns once it is an active member.</summary>
    /// <exception cref="InvalidOptionsException">Options out of range.</exception>
    /// <exception cref="UsageException">The database cannot be reached, or the silo cannot join (a port in use, say).</exception>
    public static async Task<SweepWorker> StartAsync(WorkerOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        InvalidOptionsException.ThrowIfAny(options.Validate());
        var connection = ClusterDatabase.Normalize(options.Cluster);

        var address = options.Address is { } given ? IPAddress.Parse(given) : DefaultAddress();
        var version = Environment.GetEnvironmentVariable(TestVersionHook) is { Length: > 0 } claimed ? claimed : CandidateSpec.CurrentToolVersion;
        // The schema, and a clear error when the database is unreachable, before Orleans tries it.
        var slots = new WorkerSlots(options.Slots, version, ClusterResultsStore.Open(connection))
        {
            FailEveryCall = Environment.GetEnvironmentVariable(TestFailHook) == "1",
            SleepInsteadMs = int.TryParse(Environment.GetEnvironmentVariable(TestSleepHook), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var sleep) ? sleep : null,
        };
        var host = new HostBuilder()
            .UseOrleans(silo => silo
                .UseAdoNetClustering(o =>
                {
                    o.Invariant = ClusterDatabase.Invariant;
                    o.ConnectionString = connection;
                })
                .Configure<ClusterOptions>(ClusterDatabase.Identify)
                // Slots and version in the membership table, for `edgeopt sweep status`.
                .Configure<SiloOptions>(o => o.SiloName = WorkerSiloName.Format(version, options.Slots))
                .ConfigureEndpoints(address, options.Port, options.GatewayPort, listenOnAnyHostAddress: true)
                .Configure<SiloMessagingOptions>(o => o.ResponseTimeout = SweepSilo.ResponseTimeout)
                .ConfigureServices(services => services.AddSingleton(slots)))
            .Build();
        try
        {
            await host.StartAsync(cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            slots.Dispose();
            throw new UsageException($"the worker could not join the cluster at {ClusterDatabase.Describe(connection)} as {address}:{options.Port} " +
                $"(gateway {options.GatewayPort}): {e.Message.Split('\n')[0].Trim()}", e);
        }
        catch
        {
            host.Dispose();
            slots.Dispose();
            throw;
        }
        var silo = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();
        return new SweepWorker(host, slots, silo);
    }

    /// <summary>Leaves the cluster gracefully (membership marks the silo dead; in-flight candidates are re-run elsewhere).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _host.Dispose();
            _slots.Dispose();
        }
    }

    // The address the other machines are most likely to reach: the first up, non-loopback interface's IPv4 address.
    private static IPAddress DefaultAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? IPAddress.Loopback;
}
