using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EdgeOpt.Progressive;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Progressive;

public class LoaderTests(ITestOutputHelper output)
{
    private static LoaderOptions Options(TempDir dir, int retries = 3, int parallel = 4) => new()
    {
        CacheFolder = dir.File("cache"),
        MaxRetries = retries,
        MaxParallelDownloads = parallel,
        RetryDelay = TimeSpan.FromMilliseconds(1),
    };

    [Fact]
    public async Task Folder_source_loads_every_tensor_into_memory_and_runs_exactly_like_the_original()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (modelPath, folder, manifest) = LoaderTestPackages.Package(model, dir);
        Assert.True(manifest.Chunks.Count >= 3, $"the test model should give several chunks, got {manifest.Chunks.Count}");

        using var loader = new ProgressiveLoader(new Uri(folder));
        using var loaded = await loader.LoadAsync();

        Assert.All(loaded.Model.Graph.Initializers, v => Assert.Null(v.Initializer!.External));
        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
        var stats = loader.Statistics;
        Assert.Equal(manifest.Chunks.Count, stats.LoadedChunks);
        Assert.Equal(0, stats.CacheHits);
        Assert.Equal(0, stats.Retries);
        Assert.Equal(manifest.TotalBytes, stats.BytesDownloaded);
        Assert.True(stats.MegabytesPerSecond > 0);
    }

    [Fact]
    public async Task Http_source_caches_verified_files_and_a_second_load_is_all_cache_hits()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (modelPath, folder, manifest) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);

        using (var first = new ProgressiveLoader(server.BaseUri, Options(dir)))
        using (var loaded = await first.LoadAsync())
        {
            Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
            Assert.Equal(manifest.TotalBytes, first.Statistics.BytesDownloaded);
        }
        var cached = Directory.GetFiles(dir.File("cache")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(manifest.Chunks.Select(c => c.File).Append(manifest.Graph.File).Order().ToArray(), cached);
        foreach (var chunk in manifest.Chunks)
            Assert.Equal(chunk.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.File("cache"), chunk.File)))));
        var chunkRequests = server.TotalChunkRequests;

        using var second = new ProgressiveLoader(server.BaseUri, Options(dir));
        using var again = await second.LoadAsync();
        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, again));
        var stats = second.Statistics;
        Assert.Equal(manifest.Chunks.Count + 1, stats.CacheHits);
        Assert.Equal(manifest.Chunks.Count, stats.LoadedChunks);
        Assert.Equal(0, stats.BytesDownloaded);
        Assert.Equal(chunkRequests, server.TotalChunkRequests);
    }

    [Theory]
    [InlineData(Fault.Corrupt, 2)]
    [InlineData(Fault.Truncate, 1)]
    [InlineData(Fault.Html, 1)]
    [InlineData(Fault.HtmlAsBinary, 2)]
    [InlineData(Fault.ServerError, 3)]
    public async Task A_bad_response_is_discarded_and_fetched_again(Fault fault, int times)
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (modelPath, folder, manifest) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);
        var victim = manifest.Chunks[1].File;
        server.Spoil(victim, fault, times);

        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir));
        using var loaded = await loader.LoadAsync();

        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
        Assert.Equal(times, loader.Statistics.Retries);
        Assert.Equal(times + 1, server.Requests(victim));
        Assert.Empty(Directory.GetFiles(dir.File("cache"), "*.part"));
        Assert.Equal(manifest.Chunks[1].Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.File("cache"), victim)))));
    }

    [Fact]
    public async Task A_chunk_that_never_verifies_fails_after_the_retries_naming_chunk_and_hashes()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (_, folder, manifest) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);
        var victim = manifest.Chunks[0];
        server.Spoil(victim.File, Fault.Corrupt, int.MaxValue);

        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir, retries: 2));
        var e = await Assert.ThrowsAsync<DataFormatException>(() => loader.LoadAsync());

        Assert.StartsWith($"chunk '{victim.File}' failed verification 3 times: expected sha256 {victim.Sha256} ({victim.Size} bytes), got ", e.Message);
        Assert.Equal(3, server.Requests(victim.File));
        Assert.Equal(2, loader.Statistics.Retries);
        Assert.False(File.Exists(Path.Combine(dir.File("cache"), victim.File)));
        Assert.Empty(Directory.GetFiles(dir.File("cache"), "*.part"));
    }

    [Fact]
    public async Task Html_forever_fails_with_html_instead_of_binary()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (_, folder, manifest) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);
        server.Spoil(manifest.Chunks[0].File, Fault.HtmlAsBinary, int.MaxValue);

        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir, retries: 1));
        var e = await Assert.ThrowsAsync<DataFormatException>(() => loader.LoadAsync());
        Assert.Contains($"chunk '{manifest.Chunks[0].File}'", e.Message);
        Assert.Contains("HTML instead of binary", e.Message);
    }

    [Fact]
    public async Task Http_errors_forever_fail_naming_the_url_and_status()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (_, folder, manifest) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);
        var victim = manifest.Chunks[^1].File;
        server.Spoil(victim, Fault.ServerError, int.MaxValue);

        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir, retries: 3));
        var e = await Assert.ThrowsAsync<EdgeOptException>(() => loader.LoadAsync());
        Assert.Contains(new Uri(server.BaseUri, victim).AbsoluteUri, e.Message);
        Assert.Contains("HTTP 500", e.Message);
        Assert.Equal(4, server.Requests(victim));
    }

    [Fact]
    public async Task A_corrupt_cached_file_is_evicted_and_fetched_again()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (modelPath, folder, manifest) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);
        using (var first = new ProgressiveLoader(server.BaseUri, Options(dir)))
            (await first.LoadAsync()).Dispose();
        var victim = manifest.Chunks[0];
        var cachedPath = Path.Combine(dir.File("cache"), victim.File);
        var bytes = File.ReadAllBytes(cachedPath);
        bytes[10] ^= 0x40;
        File.WriteAllBytes(cachedPath, bytes);

        using var second = new ProgressiveLoader(server.BaseUri, Options(dir));
        using var loaded = await second.LoadAsync();

        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
        Assert.Equal(manifest.Chunks.Count, second.Statistics.CacheHits); // graph + all chunks but the bad one
        Assert.Equal(victim.Size, second.Statistics.BytesDownloaded);
        Assert.Equal(2, server.Requests(victim.File));
        Assert.Equal(victim.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(cachedPath))));
    }

    [Fact]
    public async Task Progress_is_monotonic_and_reaches_the_total()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (_, folder, manifest) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);
        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir, parallel: 3));
        var events = new List<LoadProgress>();
        loader.Progress += (_, p) => { lock (events) events.Add(p); };

        (await loader.LoadAsync()).Dispose();

        Assert.Equal(manifest.Chunks.Count + 1, events.Count);
        Assert.Equal(manifest.Graph.File, events[0].File);
        for (var i = 1; i < events.Count; i++)
        {
            Assert.True(events[i].BytesDone > events[i - 1].BytesDone, $"event {i}: bytes went from {events[i - 1].BytesDone} to {events[i].BytesDone}");
            Assert.Equal(events[i - 1].ChunksDone + 1, events[i].ChunksDone);
        }
        Assert.Equal(new LoadProgress(events[^1].File, manifest.TotalBytes, manifest.TotalBytes, manifest.Chunks.Count, manifest.Chunks.Count), events[^1]);
        Assert.Equal(1.0, events[^1].Fraction);
    }

    [Fact]
    public async Task A_cancelled_load_keeps_only_verified_files_and_the_next_load_resumes_from_them()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (modelPath, folder, manifest) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder) { ChunkDelay = TimeSpan.FromMilliseconds(150) };

        using var cts = new CancellationTokenSource();
        using (var interrupted = new ProgressiveLoader(server.BaseUri, Options(dir, parallel: 1)))
        {
            interrupted.Progress += (_, p) => { if (p.ChunksDone == 1) cts.Cancel(); };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => interrupted.LoadAsync(cts.Token));
        }
        var kept = Directory.GetFiles(dir.File("cache")).Where(f => !f.EndsWith(".part", StringComparison.Ordinal)).ToList();
        var expected = manifest.Chunks.ToDictionary(c => c.File, c => c.Sha256);
        expected[manifest.Graph.File] = manifest.Graph.Sha256;
        Assert.InRange(kept.Count, 2, manifest.Chunks.Count); // the graph and at least one chunk, not everything
        foreach (var file in kept)
            Assert.Equal(expected[Path.GetFileName(file)], Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))));

        // A .part left by a killed process is discarded, not trusted.
        var notFetched = manifest.Chunks.First(c => !kept.Any(k => Path.GetFileName(k) == c.File));
        File.WriteAllBytes(Path.Combine(dir.File("cache"), notFetched.File + ".part"), new byte[notFetched.Size / 2]);
        server.ChunkDelay = TimeSpan.Zero;
        using var resumed = new ProgressiveLoader(server.BaseUri, Options(dir));
        using var loaded = await resumed.LoadAsync();
        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
        var stats = resumed.Statistics;
        Assert.Equal(kept.Count, stats.CacheHits);
        Assert.Equal(manifest.TotalBytes - kept.Sum(f => new FileInfo(f).Length), stats.BytesDownloaded);
        Assert.Empty(Directory.GetFiles(dir.File("cache"), "*.part"));
    }

    [Theory]
    [InlineData("formatVersion", "2", "manifest format version 2 is not supported; this build reads version 1")]
    [InlineData("chunk", "../outside.bin", "chunk name '../outside.bin' is not a plain file name inside the package folder")]
    [InlineData("chunk", "/etc/passwd", "chunk name '/etc/passwd' is not a plain file name")]
    [InlineData("chunk", "sub\\x.bin", "chunk name 'sub\\x.bin' is not a plain file name")]
    [InlineData("graph", "dir/graph.onnx", "graph file name 'dir/graph.onnx' is not a plain file name")]
    public async Task A_bad_manifest_is_refused_before_anything_is_fetched(string field, string value, string message)
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (_, folder, _) = LoaderTestPackages.Package(model, dir);
        var manifestPath = Path.Combine(folder, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        switch (field)
        {
            case "formatVersion": json["formatVersion"] = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "chunk": json["chunks"]![0]!["file"] = value; break;
            case "graph": json["graph"]!["file"] = value; break;
        }
        File.WriteAllText(manifestPath, json.ToJsonString());
        using var server = new LoaderTestServer(folder);

        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir));
        var e = await Assert.ThrowsAsync<ModelFormatException>(() => loader.LoadAsync());
        Assert.Contains(message, e.Message);
        Assert.Contains("manifest.json", e.Message);
        Assert.Equal(0, server.TotalChunkRequests);
    }

    [Fact]
    public async Task A_manifest_served_as_html_is_refused()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (_, folder, _) = LoaderTestPackages.Package(model, dir);
        using var server = new LoaderTestServer(folder);
        server.Spoil("manifest.json", Fault.Html, int.MaxValue);
        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir));
        var e = await Assert.ThrowsAsync<ModelFormatException>(() => loader.LoadManifestAsync(CancellationToken.None));
        Assert.Contains("HTML instead of a JSON manifest", e.Message);
    }

    [Fact]
    public void Bad_sources_and_options_are_usage_errors()
    {
        Assert.Contains("scheme 'ftp'", Assert.Throws<UsageException>(() => new ProgressiveLoader(new Uri("ftp://example.org/pkg/"))).Message);
        Assert.Contains("does not exist", Assert.Throws<UsageException>(() => new ProgressiveLoader(new Uri("file:///nonexistent/edgeopt-pkg"))).Message);
        Assert.Contains("MaxParallelDownloads", Assert.Throws<UsageException>(() => new ProgressiveLoader(new Uri("http://127.0.0.1/"), new LoaderOptions { MaxParallelDownloads = 0 })).Message);
        Assert.Contains("MaxRetries", Assert.Throws<UsageException>(() => new ProgressiveLoader(new Uri("http://127.0.0.1/"), new LoaderOptions { MaxRetries = -1 })).Message);
    }

    [Fact]
    public async Task ResNet18_over_http_runs_exactly_like_the_original()
    {
        using var dir = new TempDir();
        var (modelPath, folder, manifest) = LoaderTestPackages.Package(Fixtures.ResNet18, dir, chunkSize: 4 * 1024 * 1024);
        using var server = new LoaderTestServer(folder);

        using var loader = new ProgressiveLoader(server.BaseUri, Options(dir));
        using var loaded = await loader.LoadAsync();

        Assert.Equal(0.0, LoaderTestPackages.MaxAbsError(modelPath, loaded));
        Assert.Equal(manifest.Chunks.Count, loader.Statistics.LoadedChunks);
        Assert.Equal(manifest.TotalBytes, loader.Statistics.BytesDownloaded);
        output.WriteLine($"ResNet18: {manifest.Chunks.Count} chunks, {loader.Statistics}");
    }
}
