using System.Net;
using System.Net.Http.Headers;
using EdgeOpt.Progressive;
using EdgeOpt.Tests.Progressive;
using EdgeOpt.Web.Serving;

namespace EdgeOpt.Tests.Serving;

public class BundleServerTests(ServedPackage package) : IClassFixture<ServedPackage>
{
    private static readonly HttpClient Client = new();

    private Task<HttpResponseMessage> GetAsync(string path) => Client.GetAsync(new Uri(package.Url, path));

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : throw new Xunit.Sdk.XunitException($"response has no {name} header");

    [Fact]
    public void Binds_to_loopback_on_the_free_port_it_reports()
    {
        Assert.Equal("127.0.0.1", package.Url.Host);
        Assert.NotEqual(0, package.Url.Port);
        Assert.Equal("/", package.Url.AbsolutePath);
    }

    [Theory]
    [InlineData("manifest.json")]
    [InlineData("index.html")]
    [InlineData("missing-file.bin")]
    public async Task Every_response_is_cross_origin_isolated_and_not_sniffed(string path)
    {
        using var response = await GetAsync(path);
        Assert.Equal("same-origin", Header(response, "Cross-Origin-Opener-Policy"));
        Assert.Equal("require-corp", Header(response, "Cross-Origin-Embedder-Policy"));
        Assert.Equal("same-origin", Header(response, "Cross-Origin-Resource-Policy"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
    }

    [Theory]
    [InlineData("ort-wasm-simd-threaded.wasm", "application/wasm")]
    [InlineData("ort.bundle.min.mjs", "text/javascript")]
    [InlineData("loader.js", "text/javascript")]
    [InlineData("manifest.webmanifest", "application/manifest+json")]
    [InlineData("manifest.json", "application/json")]
    [InlineData("index.html", "text/html")]
    public async Task Files_are_served_whole_with_their_media_type(string path, string mediaType)
    {
        using var response = await GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(File.ReadAllBytes(Path.Combine(package.Folder, path)), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Content_addressed_chunks_and_graph_are_immutable_octet_streams()
    {
        foreach (var file in package.Manifest.Chunks.Select(c => c.File).Append(package.Manifest.Graph.File))
        {
            using var response = await GetAsync(file);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("public, max-age=31536000, immutable", Header(response, "Cache-Control"));
        }
    }

    [Theory]
    [InlineData("manifest.json")]
    [InlineData("index.html")]
    [InlineData("loader.js")]
    public async Task The_manifest_and_other_named_files_must_be_revalidated(string path)
    {
        using var response = await GetAsync(path);
        Assert.Equal("no-cache", Header(response, "Cache-Control"));
        Assert.NotNull(response.Headers.ETag);
    }

    [Theory]
    [InlineData("/", "bundle")]
    [InlineData("/docs/", "docs")]
    [InlineData("/alias.html", "bundle")]
    [InlineData("/index.html?v=2#top", "bundle")]
    [InlineData("http://{authority}/docs/index.html", "docs")]
    public async Task Folders_serve_their_index_and_symlinks_inside_the_bundle_are_followed(string path, string title)
    {
        var (status, head, body) = await RawHttp.SendAsync(package.Url, path.Replace("{authority}", package.Url.Authority, StringComparison.Ordinal));
        Assert.Equal(200, status);
        Assert.Contains("Content-Type: text/html", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"<title>{title}</title>", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/../secret.txt")]
    [InlineData("/%2e%2e/secret.txt")]
    [InlineData("/%2E%2E/secret.txt")]
    [InlineData("/%252e%252e/secret.txt")]
    [InlineData("/..%2fsecret.txt")]
    [InlineData("/..%5csecret.txt")]
    [InlineData("/docs/../../secret.txt")]
    [InlineData("/./manifest.json")]
    [InlineData("/docs/../index.html")] // stays inside, yet a server that folds ".." would answer 200
    [InlineData("/docs/%2e%2e/index.html")]
    [InlineData("//etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("/C:/Windows/win.ini")]
    [InlineData("http://{authority}/../secret.txt")]
    [InlineData("/.env")]
    [InlineData("/%2eenv")]
    [InlineData("/leak.txt")]
    [InlineData("/up/secret.txt")]
    [InlineData("/missing.bin")]
    public async Task Nothing_outside_the_bundle_nor_hidden_is_served(string target)
    {
        // Absolute-form targets must name this server (Kestrel answers 400 to a Host mismatch).
        var (status, _, body) = await RawHttp.SendAsync(package.Url, target.Replace("{authority}", package.Url.Authority, StringComparison.Ordinal));
        Assert.Equal(404, status);
        Assert.DoesNotContain(ServedPackage.Secret, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Absolute_path_of_a_real_file_outside_is_not_served()
    {
        var secret = Path.Combine(Path.GetDirectoryName(package.Folder)!, "secret.txt");
        Assert.True(File.Exists(secret));
        var (status, _, body) = await RawHttp.SendAsync(package.Url, "/" + secret.TrimStart('/'));
        Assert.Equal(404, status);
        (status, _, body) = await RawHttp.SendAsync(package.Url, "/" + Uri.EscapeDataString(secret));
        Assert.Equal(404, status);
        Assert.DoesNotContain(ServedPackage.Secret, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_range_request_gets_partial_content_so_downloads_can_resume()
    {
        var chunk = package.Manifest.Chunks[0];
        var bytes = File.ReadAllBytes(Path.Combine(package.Folder, chunk.File));
        Assert.True(bytes.Length > 1000);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(package.Url, chunk.File));
        request.Headers.Range = new RangeHeaderValue(1000, null);
        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(1000, response.Content.Headers.ContentRange?.From);
        Assert.Equal(bytes.Length - 1, response.Content.Headers.ContentRange?.To);
        Assert.Equal(bytes.Length, response.Content.Headers.ContentRange?.Length);
        Assert.Equal(bytes[1000..], await response.Content.ReadAsByteArrayAsync());
        Assert.Contains("bytes", response.Headers.AcceptRanges);
    }

    [Fact]
    public async Task Head_gives_the_headers_without_a_body()
    {
        var chunk = package.Manifest.Chunks[0];
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(package.Url, chunk.File));
        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(chunk.Size, response.Content.Headers.ContentLength);
        Assert.Equal("public, max-age=31536000, immutable", Header(response, "Cache-Control"));
        Assert.Equal("require-corp", Header(response, "Cross-Origin-Embedder-Policy"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_revalidation_with_the_etag_answers_not_modified()
    {
        using var first = await GetAsync("manifest.json");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(package.Url, "manifest.json"));
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Fact]
    public async Task Other_methods_are_refused()
    {
        using var response = await Client.PostAsync(new Uri(package.Url, "manifest.json"), new StringContent("x"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
        Assert.Contains("HEAD", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task The_progressive_loader_loads_the_package_from_the_server_and_runs_exactly_like_the_original()
    {
        using var loader = new ProgressiveLoader(package.Url, new LoaderOptions { CacheFolder = package.CacheFolder, RetryDelay = TimeSpan.FromMilliseconds(1) });
        using var loaded = await loader.LoadAsync();

        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(package.ModelPath, loaded));
        var stats = loader.Statistics;
        Assert.Equal(package.Manifest.Chunks.Count, stats.LoadedChunks);
        Assert.Equal(0, stats.Retries);
    }

    [Fact]
    public async Task Another_address_is_served_with_the_same_headers_and_reported_in_the_url()
    {
        await using var server = new BundleServer { Address = IPAddress.IPv6Loopback };
        var url = await server.StartAsync(package.Folder, port: 0);

        Assert.Equal("[::1]", url.Host);
        Assert.NotEqual(0, url.Port);
        Assert.Equal(url, server.Url);
        using var response = await Client.GetAsync(new Uri(url, "manifest.json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("require-corp", Header(response, "Cross-Origin-Embedder-Policy"));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(package.Folder, "manifest.json")), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_second_start_is_refused_and_a_stopped_server_refuses_connections()
    {
        var server = new BundleServer();
        var url = await server.StartAsync(package.Folder, port: 0);
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync(package.Folder, port: 0));
        await server.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => Client.GetAsync(new Uri(url, "manifest.json")));
    }
}
