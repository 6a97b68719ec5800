using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeOpt.Web.Serving;

/// <summary>
/// Kestrel's response body with a faster <see cref="SendFileAsync"/>; everything else is passed through.
/// Kestrel has no sendfile(2): it falls back to ASP.NET Core's <c>SendFileFallback</c>, which copies through an async
/// <see cref="FileStream"/> 16 KiB at a time, each read a hop to the thread pool and each write flushed to the socket on
/// its own. At 100 connections on a 4.5 MiB chunk that cost 3.1 ms of server CPU per response (nginx, with sendfile:
/// 0.5 ms) and let the slowest response take 14 s; reading the file straight into the response pipe's own buffers in
/// 64 KiB blocks, one flush per block, takes 2.1 ms, with 45% more responses per second and the slowest at 1.4 s
/// (docs/reliability.md, "Serve under load"). <c>TypedResults.PhysicalFile</c> still decides everything
/// HTTP (Range, 206/416, HEAD, ETag, 304); only the bytes of the chosen range take this path.
/// <para>
/// A client that stops reading is dropped once one block has waited <paramref name="sendTimeout"/> for the socket, as
/// nginx's <c>send_timeout</c> does: Kestrel's <c>MinResponseDataRate</c> averages over the whole response, so a reader
/// that stalls after the first blocks of a large chunk would hold its connection and buffers for minutes.
/// </para>
/// </summary>
/// <param name="inner">Kestrel's own body feature.</param>
/// <param name="sendTimeout">How long one block may wait for the client to take it.</param>
/// <param name="onStalled">Called instead of finishing the response when that happens; it aborts the connection.</param>
internal sealed class FileBodyFeature(IHttpResponseBodyFeature inner, TimeSpan sendTimeout, Action onStalled) : IHttpResponseBodyFeature
{
    // Kestrel's default MaxResponseBufferSize: a flush of one block waits until the socket has taken the previous one.
    internal const int BlockSize = 64 * 1024;

    public Stream Stream => inner.Stream;

    public PipeWriter Writer => inner.Writer;

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        // Synchronous reads: on Linux an "async" file read is the same read(2) run on a thread-pool thread, so doing it
        // inline saves a hop per block; bundle files are read from the page cache almost always.
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(file);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, length);
        var remaining = count ?? length - offset;
        ArgumentOutOfRangeException.ThrowIfNegative(remaining, nameof(count));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(remaining, length - offset, nameof(count));

        cancellationToken.ThrowIfCancellationRequested();
        await inner.StartAsync(cancellationToken).ConfigureAwait(false);
        var writer = inner.Writer;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (remaining > 0)
        {
            var block = (int)Math.Min(BlockSize, remaining);
            var memory = writer.GetMemory(block);
            var read = RandomAccess.Read(file, memory.Span[..Math.Min(block, memory.Length)], offset);
            // The file shrank after the headers went out with its old length: the response can only be cut short.
            if (read == 0) throw new IOException($"'{path}' ended {remaining} bytes early while it was being sent");
            writer.Advance(read);
            offset += read;
            remaining -= read;
            stall.CancelAfter(sendTimeout); // restarted per block: the limit is on progress, not on the whole response
            var waiting = Stopwatch.GetTimestamp();
            FlushResult flushed;
            try
            {
                flushed = await writer.FlushAsync(stall.Token).ConfigureAwait(false);
            }
            // Ours, or Kestrel's own rate limit (its heartbeat thread) when a busy thread pool delayed our timer: a block
            // that waited SendTimeout is a stalled reader either way.
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested || Stopwatch.GetElapsedTime(waiting) >= sendTimeout)
            {
                onStalled();
                return;
            }
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                if (Stopwatch.GetElapsedTime(waiting) >= sendTimeout) onStalled();
                return; // the client has gone
            }
        }
    }
}
