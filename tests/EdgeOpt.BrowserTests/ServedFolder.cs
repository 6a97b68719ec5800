using System.Collections.Concurrent;
using System.Text;
using EdgeOpt.Cli.Serving;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// Serves a folder with the real <see cref="BundleServer"/> (COOP/COEP/CORP headers) on a free 127.0.0.1 port and
/// records every request it answered: the ground truth of what was downloaded, whatever the browser's caches did.
/// </summary>
public sealed class ServedFolder : IAsyncDisposable
{
    private readonly BundleServer _server;
    private readonly RequestLog _log;

    private ServedFolder(BundleServer server, RequestLog log, Uri url)
    {
        _server = server;
        _log = log;
        Url = url;
    }

    /// <summary>The base URL, ending in '/'.</summary>
    public Uri Url { get; }

    /// <summary>The absolute URL of <paramref name="relative"/> (e.g. "index.html").</summary>
    public string this[string relative] => new Uri(Url, relative).AbsoluteUri;

    /// <summary>The requests answered so far, in order.</summary>
    public IReadOnlyList<ServedRequest> Requests => [.. _log.Requests];

    /// <summary>Forgets the requests answered so far (e.g. before a reload that should download nothing).</summary>
    public void ClearRequests() => _log.Requests.Clear();

    /// <param name="folder">The folder to serve.</param>
    /// <param name="output">Where to echo one line per request (e.g. the test's output); null for silence.</param>
    public static async Task<ServedFolder> StartAsync(string folder, ITestOutputHelper? output = null)
    {
        var log = new RequestLog(output);
        var server = new BundleServer(log);
        try
        {
            return new ServedFolder(server, log, await server.StartAsync(folder, port: 0));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>Reads BundleServer's request log, one "METHOD target status" line per request.</summary>
    private sealed class RequestLog(ITestOutputHelper? output) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public ConcurrentQueue<ServedRequest> Requests { get; } = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n') EndLine();
            else if (value != '\r') _line.Append(value);
        }

        private void EndLine()
        {
            var line = _line.ToString();
            _line.Clear();
            var parts = line.Split(' ');
            if (parts.Length == 3 && int.TryParse(parts[2], out var status))
                Requests.Enqueue(new ServedRequest(parts[0], parts[1], status));
            // The server can answer after the test has finished, when xunit no longer accepts output.
            try { output?.WriteLine("[server] " + line); } catch (InvalidOperationException) { }
        }
    }
}

/// <summary>One request answered by a <see cref="ServedFolder"/>.</summary>
/// <param name="Target">The request target as sent, e.g. <c>/chunks/ab12.bin</c>.</param>
/// <param name="Status">The HTTP status answered (200, 206 for a range, 304 when revalidated, 404, ...).</param>
public sealed record ServedRequest(string Method, string Target, int Status);
