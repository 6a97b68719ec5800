namespace EdgeOpt.Progressive;

/// <summary>How a <see cref="ProgressiveLoader"/> fetches, verifies and caches a package.</summary>
public sealed record LoaderOptions
{
    /// <summary>
    /// Where verified files are kept (<c>&lt;folder&gt;/&lt;file&gt;</c>, written through <c>.part</c> files). Null: an
    /// http(s) source uses <see cref="DefaultCacheFolder"/>; a folder source reads the package in place without caching.
    /// Files are content-addressed, so one cache can safely serve many packages.
    /// </summary>
    public string? CacheFolder { get; init; }

    /// <summary>Downloads in flight at once (at least 1).</summary>
    public int MaxParallelDownloads { get; init; } = 4;

    /// <summary>Extra attempts for a file that fails (bad hash, wrong length, HTML, HTTP error) before the load fails.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>An HTTP client to use (not disposed by the loader); null: the loader creates and owns one.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>Wait before the first retry of a file; it doubles for each further retry of the same file (up to <see cref="MaxRetryWait"/>).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest wait before any retry: it caps the doubling <see cref="RetryDelay"/> and a server's
    /// <c>Retry-After</c> (honoured on 429 and 503, in seconds or as an HTTP date). 0 to 24 hours.
    /// </summary>
    public TimeSpan MaxRetryWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// An attempt that receives no byte for this long (waiting for the response headers or inside the body) is abandoned
    /// and retried like any other failure. Positive, or <see cref="Timeout.InfiniteTimeSpan"/> to wait forever.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The cache an http(s) source uses when <see cref="CacheFolder"/> is null.</summary>
    public static string DefaultCacheFolder => Path.Combine(Path.GetTempPath(), "edgeopt-progressive-cache");
}
