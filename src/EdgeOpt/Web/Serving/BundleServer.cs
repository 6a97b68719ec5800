using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace EdgeOpt.Web.Serving;

/// <summary>
/// A static file server for a web bundle or progressive package (Kestrel, bound to 127.0.0.1 unless
/// <see cref="Address"/> says otherwise). Every response is cross-origin isolated (COOP/COEP, so onnxruntime-web can use
/// threads); content-addressed files are cached as immutable and everything else (manifest.json, pages) revalidated;
/// Range and HEAD requests work, so downloads resume.
/// Only files inside the folder are served: traversal (encoded or not), dotfiles and symlinks leading out answer 404.
/// </summary>
public sealed class BundleServer : IAsyncDisposable
{
    private readonly TextWriter? _log;
    private readonly Action<BundleRequest>? _onRequest;
    private WebApplication? _app;
    private RequestLog? _requestLog;
    private string _root = "";

    /// <param name="log">Where to write one line per request (e.g. stderr); null for silence.</param>
    /// <param name="onRequest">Called once per answered request, on the server's threads (e.g. to record what was downloaded).</param>
    public BundleServer(TextWriter? log = null, Action<BundleRequest>? onRequest = null)
    {
        _log = log is null ? null : TextWriter.Synchronized(log);
        _onRequest = onRequest;
    }

    /// <summary>
    /// The address to listen on; loopback (127.0.0.1) by default. Anything else exposes the folder to the network
    /// (e.g. <see cref="IPAddress.Any"/> to try a bundle on a phone on the same LAN).
    /// </summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>The base URL once started, e.g. <c>http://127.0.0.1:5173/</c>.</summary>
    public Uri? Url { get; private set; }

    /// <summary>How long one 64 KiB block of a file may wait for the client to read it before the connection is dropped (nginx's send_timeout default).</summary>
    internal TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Connections dropped because their client stopped reading a file for <see cref="SendTimeout"/>.</summary>
    internal int StalledReadersDropped => Volatile.Read(ref _stalledReadersDropped);

    private int _stalledReadersDropped;

    /// <summary>How many request lines may wait for a slow log writer before further ones are dropped (and counted).</summary>
    internal int LogCapacity { get; init; } = RequestLog.DefaultCapacity;

    /// <summary>Starts serving <paramref name="folder"/> on <see cref="Address"/>:<paramref name="port"/> (0: a free port) and returns the bound URL.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="UsageException">The port is out of range or already in use.</exception>
    public async Task<Uri> StartAsync(string folder, int port = 0, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (_app is not null) throw new InvalidOperationException("the server is already started");
        if (port is < 0 or > IPEndPoint.MaxPort)
            throw new UsageException($"port {port} is out of range; expected 1 to {IPEndPoint.MaxPort}, or 0 for a free port");
        if (File.Exists(folder) && !Directory.Exists(folder))
            throw new UsageException($"'{folder}' is a file, not a folder; give the bundle or package folder (the output of edgeopt web or edgeopt progressive)");
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"bundle folder '{folder}' does not exist");
        _root = BundlePath.RealFolder(folder) ?? throw new DirectoryNotFoundException($"bundle folder '{folder}' cannot be resolved");

        // The empty builder reads no configuration files or environment: nothing outside this method changes what is served.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = _root });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Kestrel's limits are kept as they are, on measurement (docs/reliability.md, "Serve under load"): 300
            // clients dribbling headers one byte a second are answered 408 and dropped after RequestHeadersTimeout
            // (30 s) and 300 stalled readers are held, both without slowing a normal client, because connections are
            // asynchronous; a reader that takes nothing for SendTimeout (60 s) is then dropped by FileBodyFeature. MaxConcurrentConnections stays unlimited on purpose: a cap is what would let slow clients
            // starve everyone else, by filling it.
            kestrel.Listen(Address, port);
        });
        var app = builder.Build();
        _requestLog = _log is null ? null : new RequestLog(_log, LogCapacity);
        app.Run(HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (IsAddressInUse(e))
        {
            await app.DisposeAsync().ConfigureAwait(false);
            await DisposeLogAsync().ConfigureAwait(false);
            throw new UsageException($"port {port} on {Address} is already in use; choose another with --port, or --port 0 for a free one", e);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            await DisposeLogAsync().ConfigureAwait(false);
            throw;
        }
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Url = new Uri(address.EndsWith('/') ? address : address + "/");
        return Url;
    }

    /// <summary>Stops accepting requests and lets the ones in flight finish.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_app is { } app) await app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
        await DisposeLogAsync().ConfigureAwait(false);
    }

    private async ValueTask DisposeLogAsync()
    {
        if (_requestLog is { } log)
        {
            _requestLog = null;
            await log.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        foreach (var (name, value) in BundleHeaders.Security) response.Headers[name] = value;
        var stalled = false;
        try
        {
            // Methods are case-sensitive (RFC 9110 §9.1), but HttpMethods.IsGet/IsHead ignore case. A lowercase "head"
            // passed as HEAD here while Kestrel, which compares exactly, still expected the body: the answer became a
            // 500. Kestrel hands the known methods over as these very literals, so an ordinal comparison is exact.
            if (request.Method is not ("GET" or "HEAD"))
            {
                response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                response.Headers.Allow = "GET, HEAD";
                return;
            }
            if (BundlePath.Resolve(_root, rawTarget) is not { } file)
            {
                response.StatusCode = StatusCodes.Status404NotFound;
                response.Headers.CacheControl = BundleHeaders.NoCache;
                return;
            }
            // A Range in any unit but bytes must be ignored (RFC 9110 §14.2); ASP.NET Core's range parsing would answer
            // "items=0-10" with 206 and a Content-Range in bytes. Units compare case-insensitively.
            if (request.Headers.Range is [{ } range] && !range.TrimStart().StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
                request.Headers.Remove(HeaderNames.Range);
            var info = new FileInfo(file);
            context.Features.Set<IHttpResponseBodyFeature>(new FileBodyFeature(context.Features.GetRequiredFeature<IHttpResponseBodyFeature>(), SendTimeout, () =>
            {
                Interlocked.Increment(ref _stalledReadersDropped);
                stalled = true;
                context.Abort();
            }));
            response.Headers.CacheControl = BundleHeaders.CacheControlOf(file);
            var etag = new EntityTagHeaderValue($"\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}\"");
            await TypedResults.PhysicalFile(file, BundleHeaders.MediaTypeOf(file), lastModified: info.LastWriteTimeUtc, entityTag: etag, enableRangeProcessing: true)
                .ExecuteAsync(context).ConfigureAwait(false);
        }
        finally
        {
            _requestLog?.Add(stalled
                ? $"{request.Method} {rawTarget} {response.StatusCode} dropped: the client read nothing for {SendTimeout.TotalSeconds:0} s"
                : $"{request.Method} {rawTarget} {response.StatusCode}");
            _onRequest?.Invoke(new BundleRequest(request.Method, rawTarget, response.StatusCode));
        }
    }

    private static bool IsAddressInUse(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is AddressInUseException) return true;
        return false;
    }
}
