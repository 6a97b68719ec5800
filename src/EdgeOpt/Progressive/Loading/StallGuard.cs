using System.Globalization;

namespace EdgeOpt.Progressive.Loading;

/// <summary>
/// A token that cancels when no byte has arrived for <see cref="LoaderOptions.StallTimeout"/>: re-armed before every
/// wait (headers, each read), so a slow but moving download is never cut, a silent one is.
/// </summary>
internal sealed class StallGuard(TimeSpan timeout, CancellationToken outer) : IDisposable
{
    private readonly CancellationTokenSource _source = CancellationTokenSource.CreateLinkedTokenSource(outer);

    public CancellationToken Token => _source.Token;

    /// <summary>True when the guard fired, not the caller's token: the attempt stalled and may be retried.</summary>
    public bool Stalled => _source.IsCancellationRequested && !outer.IsCancellationRequested;

    /// <summary>Restarts the countdown; call before each wait for bytes.</summary>
    public CancellationToken Arm()
    {
        if (timeout != Timeout.InfiniteTimeSpan && !_source.IsCancellationRequested) _source.CancelAfter(timeout);
        return _source.Token;
    }

    public string Describe(string where) => $"{where} sent nothing for {Seconds(timeout)} (stalled)";

    private static string Seconds(TimeSpan t) => t.TotalSeconds >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.#} s")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0} ms");

    public void Dispose() => _source.Dispose();
}
