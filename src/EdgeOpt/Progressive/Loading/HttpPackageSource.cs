using System.Net;
using System.Net.Http.Headers;

namespace EdgeOpt.Progressive.Loading;

/// <summary>A package served over http(s); file names are resolved against the base URL.</summary>
internal sealed class HttpPackageSource : IPackageSource
{
    private readonly Uri _base;
    private readonly HttpClient _client;
    private readonly bool _ownsClient;

    public HttpPackageSource(Uri baseUri, HttpClient? client)
    {
        // Without a trailing slash, relative resolution would replace the last path segment.
        _base = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        _ownsClient = client is null;
        _client = client ?? new HttpClient();
    }

    public string? LocalFolder => null;

    public string Describe(string file) => UriOf(file).AbsoluteUri;

    public async Task<SourceResponse> OpenAsync(string file, CancellationToken cancellationToken)
    {
        var uri = UriOf(file);
        HttpResponseMessage response;
        try
        {
            response = await _client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new SourceFetchException($"{uri} could not be fetched: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SourceFetchException($"{uri} timed out", e);
        }
        try
        {
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var retryAfter = RetryPolicy.RetryAfter(status, response.Headers.RetryAfter, DateTimeOffset.UtcNow);
                throw new SourceFetchException($"{uri} answered HTTP {status} {response.ReasonPhrase}", statusCode: status, retryAfter: retryAfter);
            }
            // The loader never sends Range: a 206 is part of some file (a confused cache or proxy), never the whole one.
            if (response.StatusCode == HttpStatusCode.PartialContent)
                throw new SourceFetchException($"{uri} answered HTTP 206 Partial Content ({response.Content.Headers.ContentRange}) to a request for the whole file", statusCode: status);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new SourceResponse(stream, MediaTypeOf(response.Content.Headers), response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private Uri UriOf(string file) => new(_base, Uri.EscapeDataString(file));

    private static string? MediaTypeOf(HttpContentHeaders headers) => headers.ContentType?.MediaType;

    public void Dispose()
    {
        if (_ownsClient) _client.Dispose();
    }
}
