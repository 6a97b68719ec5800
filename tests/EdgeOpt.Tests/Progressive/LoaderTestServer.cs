using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeOpt.Tests.Progressive;

/// <summary>What the test server does to a file instead of serving it faithfully.</summary>
public enum Fault
{
    /// <summary>200 with a few bytes flipped.</summary>
    Corrupt,
    /// <summary>200 with only the first half of the bytes.</summary>
    Truncate,
    /// <summary>200 with an HTML page (Content-Type text/html), like an SPA fallback route.</summary>
    Html,
    /// <summary>200 with an HTML page declared as application/octet-stream (only the first bytes give it away).</summary>
    HtmlAsBinary,
    /// <summary>500 Internal Server Error.</summary>
    ServerError,
}

/// <summary>
/// A real HTTP server (HttpListener on 127.0.0.1, free port) serving a package folder, which can be told to spoil a
/// file the first N times it is requested, or to stall requests so a load can be cancelled midway.
/// </summary>
internal sealed class LoaderTestServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _folder;
    private readonly ConcurrentDictionary<string, (Fault Fault, int Remaining)> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public LoaderTestServer(string folder)
    {
        _folder = folder;
        var port = FreePort();
        BaseUri = new Uri($"http://127.0.0.1:{port}/pkg/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUri { get; }

    /// <summary>Delay before each chunk (.bin) response, to let a test cancel a load midway.</summary>
    public TimeSpan ChunkDelay { get; set; }

    public void Spoil(string file, Fault fault, int times) => _faults[file] = (fault, times);

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
            var contentType = name.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/octet-stream";
            if (TakeFault(name) is { } fault)
            {
                switch (fault)
                {
                    case Fault.Corrupt:
                        body[body.Length / 2] ^= 0xFF;
                        body[0] ^= 0x01;
                        break;
                    case Fault.Truncate:
                        body = body[..(body.Length / 2)];
                        break;
                    case Fault.Html:
                        body = Encoding.UTF8.GetBytes("<!DOCTYPE html><html><body>Not the file you asked for</body></html>");
                        contentType = "text/html";
                        break;
                    case Fault.HtmlAsBinary:
                        body = Encoding.UTF8.GetBytes("\n<html><body>index page served for every route</body></html>");
                        break;
                    case Fault.ServerError:
                        response.StatusCode = 500;
                        return;
                }
            }
            response.ContentType = contentType;
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away (a cancelled load); nothing to answer.
        }
        finally
        {
            try { response.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
        }
    }

    private Fault? TakeFault(string name)
    {
        while (_faults.TryGetValue(name, out var entry) && entry.Remaining > 0)
            if (_faults.TryUpdate(name, (entry.Fault, entry.Remaining - 1), entry)) return entry.Fault;
        return null;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
