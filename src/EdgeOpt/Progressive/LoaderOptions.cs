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

    /// <summary>Wait before each retry.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The cache an http(s) source uses when <see cref="CacheFolder"/> is null.</summary>
    public static string DefaultCacheFolder => Path.Combine(Path.GetTempPath(), "edgeopt-progressive-cache");
}
