using System.Collections.Concurrent;
using EdgeOpt.Web.Serving;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// Serves a folder with the real <see cref="BundleServer"/> (COOP/COEP/CORP headers) on a free 127.0.0.1 port and
/// records every request it answered: the ground truth of what was downloaded, whatever the browser's caches did.
/// </summary>
public sealed class ServedFolder : IAsyncDisposable
{
    private readonly BundleServer _server;
    private readonly ConcurrentQueue<BundleRequest> _requests;

    private ServedFolder(BundleServer server, ConcurrentQueue<BundleRequest> requests, Uri url)
    {
        _server = server;
        _requests = requests;
        Url = url;
    }

    /// <summary>The base URL, ending in '/'.</summary>
    public Uri Url { get; }

    /// <summary>The absolute URL of <paramref name="relative"/> (e.g. "index.html").</summary>
    public string this[string relative] => new Uri(Url, relative).AbsoluteUri;

    /// <summary>The requests answered so far, in order.</summary>
    public IReadOnlyList<BundleRequest> Requests => [.. _requests];

    /// <summary>Forgets the requests answered so far (e.g. before a reload that should download nothing).</summary>
    public void ClearRequests() => _requests.Clear();

    /// <param name="folder">The folder to serve.</param>
    /// <param name="output">Where to echo one line per request (e.g. the test's output); null for silence.</param>
    public static async Task<ServedFolder> StartAsync(string folder, ITestOutputHelper? output = null)
    {
        var requests = new ConcurrentQueue<BundleRequest>();
        var server = new BundleServer(onRequest: request =>
        {
            requests.Enqueue(request);
            // The server can answer after the test has finished, when xunit no longer accepts output.
            try { output?.WriteLine($"[server] {request.Method} {request.Target} {request.Status}"); } catch (InvalidOperationException) { }
        });
        try
        {
            return new ServedFolder(server, requests, await server.StartAsync(folder, port: 0));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
