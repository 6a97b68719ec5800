using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeOpt.Tests.Progressive;

/// <summary>
/// A real HTTP server (HttpListener on 127.0.0.1, free port) serving a package folder, which can be told to spoil a
/// file the first N times it is requested (each <see cref="Fault"/> a way real servers and networks misbehave), to
/// stall requests so a load can be cancelled midway, or to start serving another folder (a package replaced mid-load).
/// </summary>
internal sealed class LoaderTestServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, (Fault Fault, int Remaining)> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Fault, int> _served = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile string _folder;
    private int _inFlight;

    /// <param name="folder">The package folder served under <c>/pkg/</c>.</param>
    /// <param name="port">A port to listen on (e.g. one a test found refused before); 0 for a free one.</param>
    public LoaderTestServer(string folder, int port = 0)
    {
        _folder = folder;
        if (port == 0) port = FreePort();
        BaseUri = new Uri($"http://127.0.0.1:{port}/pkg/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUri { get; }

    /// <summary>Delay before each chunk (.bin) response, to let a test cancel a load midway.</summary>
    public TimeSpan ChunkDelay { get; set; }

    /// <summary>How long <see cref="Fault.StallBeforeHeaders"/> and <see cref="Fault.StallMidBody"/> keep silent.</summary>
    public TimeSpan StallFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>Retry-After</c> of <see cref="Fault.Unavailable"/> and <see cref="Fault.TooManyRequests"/>.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Requests being answered now (stalled ones included).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void Spoil(string file, Fault fault, int times) => _faults[file] = (fault, times);

    /// <summary>Forgets every fault not yet served.</summary>
    public void Heal() => _faults.Clear();

    /// <summary>From now on serves <paramref name="folder"/> instead (a new package version published mid-load).</summary>
    public void ServeFrom(string folder) => _folder = folder;

    /// <summary>How many times each fault was really served.</summary>
    public IReadOnlyDictionary<Fault, int> FaultsServed => new Dictionary<Fault, int>(_served);

    public int Requests(string file) => _requests.GetValueOrDefault(file);

    public int TotalChunkRequests => _requests.Where(kv => kv.Key.EndsWith(".bin", StringComparison.Ordinal)).Sum(kv => kv.Value);

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        var response = context.Response;
        Interlocked.Increment(ref _inFlight);
        try
        {
            var name = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath["/pkg/".Length..]);
            _requests.AddOrUpdate(name, 1, (_, n) => n + 1);
            if (name.EndsWith(".bin", StringComparison.Ordinal) && ChunkDelay > TimeSpan.Zero) await Task.Delay(ChunkDelay);
            var path = Path.Combine(_folder, name);
            if (name.Contains('/') || !File.Exists(path))
            {
                response.StatusCode = 404;
                return;
            }
            var body = await File.ReadAllBytesAsync(path);
            response.ContentType = name.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/octet-stream";
            if (TakeFault(name) is { } fault)
            {
                _served.AddOrUpdate(fault, 1, (_, n) => n + 1);
                if (await MisbehaveAsync(fault, response, body, Requests(name))) return;
            }
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away (a cancelled or abandoned load), or the server is stopping; nothing to answer.
        }
        finally
        {
            try { response.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Answers with <paramref name="fault"/>; true when the answer is complete, false to send the (changed) body as usual.</summary>
    private async Task<bool> MisbehaveAsync(Fault fault, HttpListenerResponse response, byte[] body, int request)
    {
        var half = body.Length / 2;
        switch (fault)
        {
            case Fault.Corrupt:
                body[body.Length / 2] ^= 0xFF;
                body[0] ^= 0x01;
                return Send(response, body);
            case Fault.Truncate:
                return Send(response, body[..half]);
            case Fault.Html:
                response.ContentType = "text/html";
                return Send(response, Encoding.UTF8.GetBytes("<!DOCTYPE html><html><body>Not the file you asked for</body></html>"));
            case Fault.HtmlAsBinary:
                return Send(response, Encoding.UTF8.GetBytes("\n<html><body>index page served for every route</body></html>"));
            case Fault.ServerError:
                response.StatusCode = 500;
                return true;
            case Fault.Unavailable:
                response.StatusCode = 503;
                response.Headers["Retry-After"] = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return true;
            case Fault.TooManyRequests:
                response.StatusCode = 429;
                response.Headers["Retry-After"] = DateTimeOffset.UtcNow.AddSeconds(RetryAfterSeconds).ToString("r", CultureInfo.InvariantCulture);
                return true;
            case Fault.CloseMidBody:
                response.ContentLength64 = body.Length;
                await response.OutputStream.WriteAsync(body.AsMemory(0, half));
                await response.OutputStream.FlushAsync();
                response.Abort();
                return true;
            case Fault.CloseBeforeBody:
                response.ContentLength64 = body.Length;
                response.Abort();
                return true;
            case Fault.StallBeforeHeaders:
                await Task.Delay(StallFor, _stop.Token);
                response.Abort();
                return true;
            case Fault.StallMidBody:
                response.ContentLength64 = body.Length;
                await response.OutputStream.WriteAsync(body.AsMemory(0, half));
                await response.OutputStream.FlushAsync();
                await Task.Delay(StallFor, _stop.Token);
                response.Abort();
                return true;
            case Fault.WrongRange:
                response.StatusCode = 206;
                response.Headers["Content-Range"] = $"bytes 100-{body.Length - 1}/{body.Length}";
                return Send(response, body[100..]);
            case Fault.Changing:
                // A different wrong byte each time: every attempt gets a new, still wrong, version.
                body[request % body.Length] ^= 0x5A;
                return Send(response, body);
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, null);
        }
    }

    private static bool Send(HttpListenerResponse response, byte[] body)
    {
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
        return true;
    }

    private Fault? TakeFault(string name)
    {
        while (_faults.TryGetValue(name, out var entry) && entry.Remaining > 0)
            if (_faults.TryUpdate(name, (entry.Fault, entry.Remaining - 1), entry)) return entry.Fault;
        return null;
    }

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
