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

/// <summary>A fetch that failed in a way a retry may fix; the message names the URL and what went wrong.</summary>
internal sealed class SourceFetchException(string message, Exception? inner = null) : Exception(message, inner);
