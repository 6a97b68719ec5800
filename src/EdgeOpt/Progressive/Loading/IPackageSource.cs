namespace EdgeOpt.Progressive.Loading;

/// <summary>Where package files come from: a local folder or an http(s) base URL.</summary>
internal interface IPackageSource : IDisposable
{
    /// <summary>The folder holding the package when it is local (external data resolves there); null for http(s).</summary>
    string? LocalFolder { get; }

    /// <summary>The file's URL or path, for messages.</summary>
    string Describe(string file);

    /// <summary>Opens a file of the package.</summary>
    /// <exception cref="SourceFetchException">A failure worth retrying (HTTP status, network error).</exception>
    Task<SourceResponse> OpenAsync(string file, CancellationToken cancellationToken);
}

/// <summary>An open package file: its content and the media type the source declared, if any.</summary>
internal sealed class SourceResponse(Stream content, string? mediaType, IDisposable? owner = null) : IDisposable
{
    public Stream Content { get; } = content;
    public string? MediaType { get; } = mediaType;

    public void Dispose()
    {
        Content.Dispose();
        owner?.Dispose();
    }
}

/// <summary>
/// A fetch that failed in a way a retry may fix; the message names the URL and what went wrong. <see cref="StatusCode"/>
/// is the HTTP status when the server answered one; <see cref="RetryAfter"/> the wait its <c>Retry-After</c> asked for.
/// </summary>
internal sealed class SourceFetchException(string message, Exception? inner = null, int? statusCode = null, TimeSpan? retryAfter = null) : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>404 or 410: the file is not there (a package replaced under a running load looks like this).</summary>
    public bool IsGone => StatusCode is 404 or 410;
}
