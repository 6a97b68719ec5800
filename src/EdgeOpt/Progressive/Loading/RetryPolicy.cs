using System.Net.Http.Headers;

namespace EdgeOpt.Progressive.Loading;

/// <summary>How long to wait before a retry: a doubling back-off, or longer when the server said so, never past the cap.</summary>
internal static class RetryPolicy
{
    /// <param name="options">Its <see cref="LoaderOptions.RetryDelay"/> and <see cref="LoaderOptions.MaxRetryWait"/>.</param>
    /// <param name="failedAttempts">Attempts of this file that failed so far (1 before the first retry).</param>
    /// <param name="retryAfter">The server's <c>Retry-After</c>, if it sent one.</param>
    public static TimeSpan Wait(LoaderOptions options, int failedAttempts, TimeSpan? retryAfter)
    {
        // In double ticks: RetryDelay * 2^n overflows TimeSpan long before the cap applies.
        var backoff = options.RetryDelay.Ticks * Math.Pow(2, Math.Clamp(failedAttempts - 1, 0, 62));
        var wait = Math.Max(backoff, retryAfter?.Ticks ?? 0);
        return TimeSpan.FromTicks((long)Math.Min(wait, options.MaxRetryWait.Ticks));
    }

    /// <summary>
    /// The wait a 429 or 503 asks for (<c>Retry-After</c> in seconds or as an HTTP date, relative to
    /// <paramref name="now"/>); null for other statuses or without the header. A date in the past means no wait.
    /// </summary>
    public static TimeSpan? RetryAfter(int statusCode, RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (statusCode is not (429 or 503) || header is null) return null;
        if (header.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header.Date is { } date) return date > now ? date - now : TimeSpan.Zero;
        return null;
    }
}
