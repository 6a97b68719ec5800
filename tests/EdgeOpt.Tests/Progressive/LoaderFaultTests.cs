using EdgeOpt.Progressive;

namespace EdgeOpt.Tests.Progressive;

/// <summary>
/// Every way <see cref="LoaderTestServer"/> can misbehave, through the public loader: a passing fault is retried and the
/// load succeeds; a lasting one fails with one error naming the file; either way the cache holds only verified files
/// and a later load against a healthy server resumes from them.
/// </summary>
public class LoaderFaultTests
{
    // Short, to keep stall tests quick; only those use it, so a busy machine cannot turn a slow healthy answer into an
    // extra retry in the others (which keep the 30 s default).
    private static readonly TimeSpan Stall = TimeSpan.FromMilliseconds(500);

    private static bool Stalls(Fault fault) => fault is Fault.StallBeforeHeaders or Fault.StallMidBody;

    private static LoaderOptions Options(TempDir dir, int retries = 3, int parallel = 4, TimeSpan? maxWait = null, bool shortStall = false) => new()
    {
        CacheFolder = dir.File("cache"),
        MaxRetries = retries,
        MaxParallelDownloads = parallel,
        RetryDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryWait = maxWait ?? TimeSpan.FromSeconds(30),
        StallTimeout = shortStall ? Stall : new LoaderOptions().StallTimeout,
    };

    [Theory]
    [InlineData(Fault.CloseMidBody, 1)]
    [InlineData(Fault.CloseBeforeBody, 2)]
    [InlineData(Fault.StallBeforeHeaders, 1)]
    [InlineData(Fault.StallMidBody, 1)]
    [InlineData(Fault.WrongRange, 1)]
    [InlineData(Fault.Unavailable, 1)]
    [InlineData(Fault.TooManyRequests, 1)]
    [InlineData(Fault.Changing, 3)]
    [InlineData(Fault.ServerError, 3)]
    public async Task A_passing_fault_is_retried_and_the_load_succeeds(Fault fault, int times)
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (modelPath, folder, manifest) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);
        var victim = manifest.Chunks[1].File;
        server.Spoil(victim, fault, times);

        // Retry-After: 1 is honoured (the default cap is 30 s).
        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir, shortStall: Stalls(fault)));
        using var loaded = await loader.LoadAsync();

        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
        Assert.Equal(times, server.FaultsServed[fault]);
        Assert.Equal(times, loader.Statistics.Retries);
        Assert.Equal(times + 1, server.Requests(victim));
        CacheAssert.HoldsOnlyVerifiedFiles(dir.File("cache"));
        Assert.True(File.Exists(Path.Combine(dir.File("cache"), victim)));
    }

    [Theory]
    [InlineData(Fault.CloseMidBody, "connection broke after")]
    [InlineData(Fault.CloseBeforeBody, "connection broke after 0 bytes")]
    [InlineData(Fault.StallBeforeHeaders, "sent nothing for 500 ms (stalled)")]
    [InlineData(Fault.StallMidBody, "sent nothing for 500 ms (stalled) after")]
    [InlineData(Fault.WrongRange, "answered HTTP 206 Partial Content (bytes 100-")]
    [InlineData(Fault.Unavailable, "answered HTTP 503 Service Unavailable")]
    [InlineData(Fault.TooManyRequests, "answered HTTP 429 Too Many Requests")]
    [InlineData(Fault.ServerError, "answered HTTP 500")]
    [InlineData(Fault.Changing, "failed verification 3 times")]
    [InlineData(Fault.Corrupt, "failed verification 3 times")]
    [InlineData(Fault.Truncate, "failed verification 3 times")]
    [InlineData(Fault.Html, "returned HTML instead of binary")]
    [InlineData(Fault.HtmlAsBinary, "returned HTML instead of binary")]
    public async Task A_lasting_fault_fails_naming_the_file_and_a_later_load_resumes(Fault fault, string reason)
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (modelPath, folder, manifest) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);
        // The second chunk in load order: with one download at a time, the graph and the first chunk are in before it fails.
        var victim = manifest.Chunks.OrderBy(c => c.Priority).ElementAt(1).File;
        server.Spoil(victim, fault, int.MaxValue);

        // A 1 s Retry-After capped to 50 ms: the cap is what keeps this quick.
        using (var failing = new ProgressiveLoader(server.BaseUri, Options(dir, retries: 2, parallel: 1, maxWait: TimeSpan.FromMilliseconds(50), shortStall: Stalls(fault))))
        {
            var e = await Assert.ThrowsAnyAsync<EdgeOptException>(() => failing.LoadAsync());
            Assert.Contains($"chunk '{victim}'", e.Message);
            Assert.Contains(reason, e.Message);
            Assert.DoesNotContain('\n', e.Message);
            var verification = fault is Fault.Changing or Fault.Corrupt or Fault.Truncate or Fault.Html or Fault.HtmlAsBinary;
            Assert.Equal(verification ? typeof(DataFormatException) : typeof(EdgeOptException), e.GetType());
            if (!verification) Assert.Contains(new Uri(server.BaseUri, victim).AbsoluteUri, e.Message);
        }
        Assert.Equal(3, server.Requests(victim));
        CacheAssert.HoldsOnlyVerifiedFiles(dir.File("cache"));
        Assert.False(File.Exists(Path.Combine(dir.File("cache"), victim)));

        server.Heal();
        using var resumed = new ProgressiveLoader(server.BaseUri, Options(dir));
        using var loaded = await resumed.LoadAsync();
        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
        Assert.Equal(2, resumed.Statistics.CacheHits); // the graph and the first chunk
        Assert.True(resumed.Statistics.BytesDownloaded < manifest.TotalBytes);
        CacheAssert.HoldsOnlyVerifiedFiles(dir.File("cache"));
    }

    [Theory]
    [InlineData(Fault.CloseMidBody)]
    [InlineData(Fault.CloseBeforeBody)]
    [InlineData(Fault.StallMidBody)]
    [InlineData(Fault.Unavailable)]
    [InlineData(Fault.Truncate)]
    [InlineData(Fault.Html)]
    public async Task A_passing_fault_on_the_manifest_is_retried(Fault fault)
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (modelPath, folder, _) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);
        server.Spoil("manifest.json", fault, 1);

        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir, shortStall: Stalls(fault)));
        using var loaded = await loader.LoadAsync();

        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
        Assert.Equal(1, loader.Statistics.Retries);
        Assert.Equal(2, server.Requests("manifest.json"));
    }

    [Fact]
    public async Task A_manifest_unavailable_for_good_fails_naming_it()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (_, folder, _) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);
        server.Spoil("manifest.json", Fault.Unavailable, int.MaxValue);

        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir, retries: 2, maxWait: TimeSpan.Zero));
        var e = await Assert.ThrowsAsync<EdgeOptException>(() => loader.LoadAsync());

        Assert.StartsWith($"manifest: {new Uri(server.BaseUri, "manifest.json").AbsoluteUri} answered HTTP 503 Service Unavailable (3 attempts)", e.Message);
        Assert.Equal(0, server.TotalChunkRequests);
    }

    [Fact]
    public async Task Connection_refused_fails_naming_the_manifest_url_and_a_later_load_succeeds()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (modelPath, folder, _) = LoaderTestPackages.Package(model, dir);
        var port = LoaderTestServer.FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/pkg/");

        using (var refused = new ProgressiveLoader(url, Options(dir, retries: 1)))
        {
            var e = await Assert.ThrowsAsync<EdgeOptException>(() => refused.LoadAsync());
            Assert.StartsWith($"manifest: {url}manifest.json could not be fetched: ", e.Message);
            Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
        }
        CacheAssert.HoldsOnlyVerifiedFiles(dir.File("cache"));

        using var server = new LoaderTestServer(folder, port);
        using var loader = new ProgressiveLoader(url, Options(dir));
        using var loaded = await loader.LoadAsync();
        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
    }

    [Fact]
    public async Task A_server_that_goes_away_mid_load_fails_naming_the_chunk_and_the_next_load_resumes()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (modelPath, folder, manifest) = LoaderTestPackages.Package(model, dir);
        var server = new LoaderTestServer(folder);
        var port = server.BaseUri.Port;
        var next = manifest.Chunks.OrderBy(c => c.Priority).ElementAt(1).File;

        using (var loader = new ProgressiveLoader(server.BaseUri, Options(dir, retries: 1, parallel: 1)))
        {
            loader.Progress += (_, p) => { if (p.ChunksDone == 1) server.Dispose(); };
            var e = await Assert.ThrowsAsync<EdgeOptException>(() => loader.LoadAsync());
            Assert.StartsWith($"chunk '{next}': {new Uri(server.BaseUri, next).AbsoluteUri} could not be fetched: ", e.Message);
        }
        CacheAssert.HoldsOnlyVerifiedFiles(dir.File("cache"));

        using var back = new LoaderTestServer(folder, port);
        using var resumed = new ProgressiveLoader(back.BaseUri, Options(dir));
        using var loaded = await resumed.LoadAsync();
        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
        Assert.Equal(2, resumed.Statistics.CacheHits);
        Assert.Equal(manifest.Chunks.Count - 1, back.TotalChunkRequests);
    }

    [Fact]
    public async Task A_package_replaced_during_the_load_fails_saying_so_and_never_mixes_versions()
    {
        using var dir = new TempDir();
        using var dirB = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (modelPath, folder, manifest) = LoaderTestPackages.Package(model, dir);
        // The same model cut differently: other chunk files, another graph file, another manifest.
        var (_, folderB, manifestB) = LoaderTestPackages.Package(model, dirB, chunkSize: 64 * 1024);
        Assert.Empty(manifestB.Chunks.Select(c => c.File).Intersect(manifest.Chunks.Select(c => c.File)));
        using var server = new LoaderTestServer(folder);

        using (var loader = new ProgressiveLoader(server.BaseUri, Options(dir, retries: 3, parallel: 1)))
        {
            loader.Progress += (_, p) => { if (p.File == manifest.Graph.File) server.ServeFrom(folderB); };
            var e = await Assert.ThrowsAsync<EdgeOptException>(() => loader.LoadAsync());
            var first = manifest.Chunks.OrderBy(c => c.Priority).First().File;
            Assert.StartsWith($"chunk '{first}': {new Uri(server.BaseUri, first).AbsoluteUri} answered HTTP 404 Not Found (1 attempts); manifest.json changed while this load ran (the package was replaced): load it again", e.Message);
            Assert.Equal(1, server.Requests(first)); // no retries spent on a file that is gone
        }
        CacheAssert.HoldsOnlyVerifiedFiles(dir.File("cache"));

        using var again = new ProgressiveLoader(server.BaseUri, Options(dir));
        using var loaded = await again.LoadAsync();
        Assert.Equal(manifestB.Graph.Sha256, loaded.Manifest.Graph.Sha256);
        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
        CacheAssert.HoldsOnlyVerifiedFiles(dir.File("cache"));
    }

    [Fact]
    public async Task A_missing_file_in_an_unchanged_package_is_retried_then_fails_with_the_404()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (_, folder, manifest) = LoaderTestPackages.Package(model, dir);
        var victim = manifest.Chunks[0].File;
        File.Delete(Path.Combine(folder, victim));
        using var server = new LoaderTestServer(folder);

        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir, retries: 2));
        var e = await Assert.ThrowsAsync<EdgeOptException>(() => loader.LoadAsync());

        Assert.Equal($"chunk '{victim}': {new Uri(server.BaseUri, victim).AbsoluteUri} answered HTTP 404 Not Found (3 attempts)", e.Message);
        Assert.Equal(3, server.Requests(victim));
        CacheAssert.HoldsOnlyVerifiedFiles(dir.File("cache"));
    }

    [Fact]
    public void New_options_are_validated()
    {
        var url = new Uri("http://127.0.0.1/");
        Assert.Contains("StallTimeout", Assert.Throws<UsageException>(() => new ProgressiveLoader(url, new LoaderOptions { StallTimeout = TimeSpan.Zero })).Message);
        Assert.Contains("MaxRetryWait", Assert.Throws<UsageException>(() => new ProgressiveLoader(url, new LoaderOptions { MaxRetryWait = TimeSpan.FromSeconds(-1) })).Message);
        Assert.Contains("MaxRetryWait", Assert.Throws<UsageException>(() => new ProgressiveLoader(url, new LoaderOptions { MaxRetryWait = TimeSpan.FromDays(2) })).Message);
        using var _ = new ProgressiveLoader(url, new LoaderOptions { StallTimeout = Timeout.InfiniteTimeSpan, MaxRetryWait = TimeSpan.Zero });
    }
}
