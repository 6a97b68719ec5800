using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// A fresh browser context and page for one test. What the page says (console, uncaught errors, failed requests) goes
/// to the test's output, so a failing browser test shows why; every request the context makes is recorded.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ITestOutputHelper _output;

    private BrowserSession(IBrowserContext context, IPage page, ITestOutputHelper output)
    {
        Context = context;
        Page = page;
        _output = output;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>
    /// Requests made by the context's pages, workers and service workers, in order. A request a service worker answers
    /// from its cache appears too (see <see cref="ServedFolder.Requests"/> for what really reached the server); one the
    /// service worker passes on appears twice, once from the page and once from the worker.
    /// </summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Uncaught page errors and console errors so far; a test can assert this is empty.</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    /// <summary>Forgets the requests recorded so far (e.g. between a first visit and a reload).</summary>
    public void ClearRequests() => _requests.Clear();

    internal static async Task<BrowserSession> OpenAsync(IBrowser browser, ITestOutputHelper output, BrowserNewContextOptions? options)
    {
        var context = await browser.NewContextAsync(options);
        var page = await context.NewPageAsync();
        var session = new BrowserSession(context, page, output);
        session.Attach();
        return session;
    }

    private void Attach()
    {
        Context.Request += (_, request) => _requests.Enqueue(new RecordedRequest(request.Method, request.Url, request.ResourceType));
        Context.RequestFailed += (_, request) => Log($"[request failed] {request.Method} {request.Url}: {request.Failure}");
        Context.Console += (_, message) =>
        {
            if (message.Type == "error") _errors.Enqueue(message.Text);
            Log($"[console.{message.Type}] {message.Text} ({message.Location})");
        };
        Page.PageError += (_, error) =>
        {
            _errors.Enqueue(error);
            Log($"[page error] {error}");
        };
        Context.WebError += (_, error) => Log($"[web error] {error.Error}");
    }

    private void Log(string line)
    {
        // Events can arrive after the test has finished, when xunit no longer accepts output.
        try { _output.WriteLine(line); } catch (InvalidOperationException) { }
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}

/// <summary>One request seen by a <see cref="BrowserSession"/>.</summary>
/// <param name="ResourceType">As the browser's renderer sees it: document, script, fetch, other, ...</param>
public sealed record RecordedRequest(string Method, string Url, string ResourceType);
