using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace EdgeOpt.Sweep;

/// <summary>
/// An Orleans silo in this process (localhost clustering on free loopback ports): the sweep's default engine, with
/// nothing to set up. A cluster later replaces only this class; the coordinator talks to <see cref="Grains"/> either way.
/// </summary>
internal sealed class SweepSilo : IAsyncDisposable
{
    // Longer than any one candidate may take: Orleans' default of 30 s would fail a large model's evaluation.
    internal static readonly TimeSpan ResponseTimeout = TimeSpan.FromHours(6);

    private readonly IHost _host;

    private SweepSilo(IHost host) => _host = host;

    /// <summary>The grain factory of the silo's co-hosted client.</summary>
    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Starts a silo; no logging providers, so Orleans writes nothing to the console.</summary>
    public static async Task<SweepSilo> StartAsync(CancellationToken cancellation)
    {
        var host = new HostBuilder()
            .UseOrleans(silo => silo
                .UseLocalhostClustering(FreePort(), FreePort(), null, "edgeopt-sweep", "edgeopt-sweep")
                .Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout))
            .Build();
        try
        {
            await host.StartAsync(cancellation).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new SweepSilo(host);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _host.Dispose();
        }
    }

    // The OS picks a free loopback port; another process could take it before the silo binds, a race a rerun survives.
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
