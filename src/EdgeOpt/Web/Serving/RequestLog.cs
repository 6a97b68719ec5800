using System.Threading.Channels;

namespace EdgeOpt.Web.Serving;

/// <summary>
/// The one-line-per-request log, written by its own thread so that a slow or stalled reader of the log never stalls a
/// request. Requests used to write their line synchronously under a lock; when nobody read the log (a parent process
/// that captures stderr and never reads it, a terminal paused with Ctrl+S) the pipe's 64 KiB filled and every request
/// blocked on it: <c>edgeopt serve DIR 2&gt;&amp;1 | sleep 60</c> stopped answering after 2048 requests, and SIGTERM could
/// not stop it either (docs/reliability.md, "Serve under load"). Lines now wait in a bounded queue; when it is full they
/// are dropped and counted, and the count is logged when the writer catches up, so memory stays bounded too.
/// </summary>
internal sealed class RequestLog : IAsyncDisposable
{
    public const int DefaultCapacity = 4096;

    // How long disposal waits for queued lines to be written before giving up on a writer that is not being read.
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(2);

    private readonly TextWriter _writer;
    private readonly Channel<string> _lines;
    private readonly Task _pump;
    private long _dropped;

    public RequestLog(TextWriter writer, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _writer = writer;
        _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        // A dedicated (background) thread: a write that blocks forever must not hold a thread-pool thread, nor keep the
        // process alive at exit.
        _pump = Task.Factory.StartNew(Pump, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Queues a line; never blocks. When the queue is full the line is dropped and counted.</summary>
    public void Add(string line)
    {
        if (!_lines.Writer.TryWrite(line)) Interlocked.Increment(ref _dropped);
    }

    private void Pump()
    {
        var reader = _lines.Reader;
        try
        {
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var line))
                {
                    ReportDropped();
                    _writer.WriteLine(line);
                }
                ReportDropped();
                _writer.Flush(); // once per burst rather than per line
            }
            ReportDropped(); // lines dropped after the last one written
            _writer.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The log's reader has gone (EPIPE) or the writer was closed: serving goes on without a log. Completing the
            // queue makes every later Add a counted drop instead of filling memory.
            _lines.Writer.TryComplete();
        }
    }

    private void ReportDropped()
    {
        var dropped = Interlocked.Exchange(ref _dropped, 0);
        if (dropped > 0) _writer.WriteLine($"({dropped} request lines dropped: the log was not read fast enough)");
    }

    /// <summary>Writes what is queued, waiting at most a couple of seconds for a writer nobody reads.</summary>
    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        try
        {
            await _pump.WaitAsync(DrainLimit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Abandoned: the pump thread stays blocked in a write that will never return, which a background thread may.
        }
    }
}
