using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeOpt.Progressive.Loading;

namespace EdgeOpt.Progressive;

/// <summary>
/// Loads a progressive package (see <see cref="ProgressiveManifest"/>) from a local folder (<c>file://</c>) or an
/// http(s) base URL: the graph first, then the chunks in priority order with a bounded number of downloads in flight.
/// Every file is hashed while it streams and kept only when its SHA-256 and length match the manifest; bad files are
/// discarded and fetched again a limited number of times. With a cache folder, verified files are written through
/// <c>.part</c> files and renamed into place, so a cancelled or failed load resumes where it stopped.
/// </summary>
public sealed class ProgressiveLoader : IDisposable
{
    private const string ManifestFileName = "manifest.json";

    private readonly IPackageSource _source;
    private readonly LoaderOptions _options;
    private readonly string? _cacheFolder;
    private readonly LoadCounters _counters;
    private byte[]? _manifestSha256;

    /// <param name="source">A <c>file://</c> package folder or an http(s) base URL (the folder holding <c>manifest.json</c>).</param>
    /// <param name="options">Cache, parallelism and retries; null for the defaults.</param>
    /// <exception cref="UsageException">Unsupported scheme, missing folder or invalid options.</exception>
    public ProgressiveLoader(Uri source, LoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        _options = options ?? new LoaderOptions();
        if (_options.MaxParallelDownloads < 1) ThrowHelper.Usage($"MaxParallelDownloads must be at least 1, not {_options.MaxParallelDownloads}");
        if (_options.MaxRetries < 0) ThrowHelper.Usage($"MaxRetries must be 0 or more, not {_options.MaxRetries}");
        if (_options.RetryDelay < TimeSpan.Zero) ThrowHelper.Usage($"RetryDelay must not be negative, not {_options.RetryDelay}");
        if (_options.MaxRetryWait < TimeSpan.Zero || _options.MaxRetryWait > TimeSpan.FromHours(24))
            ThrowHelper.Usage($"MaxRetryWait must be between 0 and 24 hours, not {_options.MaxRetryWait}");
        if (_options.StallTimeout != Timeout.InfiniteTimeSpan && (_options.StallTimeout <= TimeSpan.Zero || _options.StallTimeout.TotalMilliseconds > int.MaxValue))
            ThrowHelper.Usage($"StallTimeout must be positive (at most {int.MaxValue} ms) or infinite, not {_options.StallTimeout}");
        if (!source.IsAbsoluteUri) ThrowHelper.Usage($"package source '{source}' must be an absolute file://, http:// or https:// URI");
        _source = source.Scheme switch
        {
            "file" => new FolderPackageSource(source.LocalPath),
            "http" or "https" => new HttpPackageSource(source, _options.HttpClient),
            _ => throw new UsageException($"package source '{source}' has scheme '{source.Scheme}'; expected file, http or https"),
        };
        _cacheFolder = _options.CacheFolder ?? (_source.LocalFolder is null ? LoaderOptions.DefaultCacheFolder : null);
        _counters = new LoadCounters(p => Progress?.Invoke(this, p));
    }

    /// <summary>Raised after each file is verified; see <see cref="LoadProgress"/>. Handlers run on download threads.</summary>
    public event EventHandler<LoadProgress>? Progress;

    /// <summary>What the current or last load did.</summary>
    public LoaderStatistics Statistics => _counters.Snapshot();

    /// <summary>Fetches and validates <c>manifest.json</c> (never cached: it names the current files).</summary>
    /// <exception cref="ModelFormatException">Not JSON, another format version, or a file name outside the package.</exception>
    public async Task<ProgressiveManifest> LoadManifestAsync(CancellationToken cancellationToken = default)
    {
        var where = _source.Describe(ManifestFileName);
        var manifest = await ReadManifestAsync(where, cancellationToken).ConfigureAwait(false);
        try
        {
            ManifestValidator.Validate(manifest, where);
        }
        catch (EdgeOptException e) when (e.Message.Any(FileText.BreaksLine))
        {
            // File and tensor names come from the manifest: escape control characters so an error stays one line.
            throw FileText.OneLine(e);
        }
        return manifest;
    }

    /// <summary>Fetches, verifies and caches the graph and every chunk, then assembles the model in memory.</summary>
    /// <exception cref="DataFormatException">A file kept failing verification (wrong hash or length, HTML) after the retries.</exception>
    /// <exception cref="EdgeOptException">The source kept failing (HTTP status, network) after the retries.</exception>
    /// <exception cref="ModelFormatException">The manifest or graph is invalid.</exception>
    public async Task<LoadedModel> LoadAsync(CancellationToken cancellationToken = default)
    {
        _counters.Start();
        try
        {
            var manifest = await LoadManifestAsync(cancellationToken).ConfigureAwait(false);
            _counters.SetTotals(manifest.Graph.Size + manifest.Chunks.Sum(c => c.Size), manifest.Chunks.Count);
            if (_cacheFolder is not null) PrepareCache(manifest);
            var fetcher = new PackageFileFetcher(_source, _cacheFolder, _options, _counters, ManifestChangedAsync);
            var graph = manifest.Graph;
            var graphBytes = await fetcher.FetchAsync(new PackageFile(graph.File, graph.Size, graph.Sha256, IsChunk: false), cancellationToken).ConfigureAwait(false);
            var chunks = await FetchChunksAsync(manifest, fetcher, cancellationToken).ConfigureAwait(false);
            var model = ModelAssembler.Assemble(graphBytes, _cacheFolder ?? _source.LocalFolder!, chunks, _source.Describe(graph.File));
            return new LoadedModel(model, manifest);
        }
        catch (EdgeOptException e) when (e.Message.Any(FileText.BreaksLine))
        {
            // File names come from the manifest: escape control characters so an error stays one line.
            throw FileText.OneLine(e);
        }
        finally
        {
            _counters.Stop();
        }
    }

    /// <summary>Downloads chunks in priority order, at most <see cref="LoaderOptions.MaxParallelDownloads"/> at once; the first failure stops the rest.</summary>
    private async Task<Dictionary<string, byte[]>> FetchChunksAsync(ProgressiveManifest manifest, PackageFileFetcher fetcher, CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var gate = new SemaphoreSlim(_options.MaxParallelDownloads);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new List<Task>();
        try
        {
            foreach (var chunk in manifest.Chunks.OrderBy(c => c.Priority))
            {
                await gate.WaitAsync(stop.Token).ConfigureAwait(false);
                tasks.Add(FetchOneAsync(chunk));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Either the caller cancelled or a chunk failed; both are reported below.
        }
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (tasks.Count > 0)
        {
            // Inspected below: the first real failure wins over the cancellations it caused.
        }
        var failed = tasks.FirstOrDefault(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException);
        if (failed is not null) ExceptionDispatchInfo.Throw(failed.Exception!.InnerException!);
        cancellationToken.ThrowIfCancellationRequested();
        return results;

        async Task FetchOneAsync(ManifestChunk chunk)
        {
            try
            {
                var bytes = await fetcher.FetchAsync(new PackageFile(chunk.File, chunk.Size, chunk.Sha256, IsChunk: true), stop.Token).ConfigureAwait(false);
                lock (results) results[chunk.File] = bytes;
            }
            catch
            {
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                gate.Release();
            }
        }
    }

    /// <summary>Creates the cache folder and discards <c>.part</c> leftovers of an interrupted load (they restart from zero).</summary>
    private void PrepareCache(ProgressiveManifest manifest)
    {
        try
        {
            Directory.CreateDirectory(_cacheFolder!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cache folder '{_cacheFolder}' cannot be created: {e.Message}", e);
        }
        CacheParts.RemoveStale(_cacheFolder!, manifest.Chunks.Select(c => c.File).Prepend(manifest.Graph.File));
    }

    /// <summary>
    /// Fetches and parses the manifest, retrying source failures and also responses that are not a manifest at all
    /// (HTML, cut or garbled JSON): unlike the other files the manifest has no hash to check it against, and a proxy's
    /// error page or a truncated body may be right next time. What parses is validated once, by the caller.
    /// </summary>
    private async Task<ProgressiveManifest> ReadManifestAsync(string where, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            try
            {
                var bytes = await ReadManifestOnceAsync(where, cancellationToken).ConfigureAwait(false);
                var manifest = Parse(bytes, where);
                _manifestSha256 = SHA256.HashData(bytes);
                return manifest;
            }
            catch (SourceFetchException e)
            {
                if (attempt > _options.MaxRetries) throw new EdgeOptException($"manifest: {e.Message} ({attempt} attempts)", e);
                retryAfter = e.RetryAfter;
            }
            catch (ModelFormatException) when (attempt <= _options.MaxRetries && _source.LocalFolder is null)
            {
                // Retried below (a local file reads the same again); the last attempt's error is the one reported.
            }
            _counters.AddRetry();
            await Task.Delay(RetryPolicy.Wait(_options, attempt, retryAfter), cancellationToken).ConfigureAwait(false);
        }
    }

    private static ProgressiveManifest Parse(byte[] bytes, string where)
    {
        if (HtmlSniffer.LooksLikeHtml(bytes)) ThrowHelper.ModelFormat($"{where}: returned HTML instead of a JSON manifest");
        if (JsonLimits.Problem(bytes) is { } limit) ThrowHelper.ModelFormat($"{where}: not a valid progressive manifest: {limit}");
        ProgressiveManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(bytes, ProgressiveManifestJsonContext.Default.ProgressiveManifest);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{where}: not a valid progressive manifest: {FileText.Escape(e.Message)}", e);
        }
        if (manifest is null) ThrowHelper.ModelFormat($"{where}: the manifest is empty (JSON null)");
        return manifest;
    }

    private async Task<byte[]> ReadManifestOnceAsync(string where, CancellationToken cancellationToken)
    {
        using var stall = new StallGuard(_options.StallTimeout, cancellationToken);
        using var response = await PackageFileFetcher.OpenAsync(_source, ManifestFileName, stall, where).ConfigureAwait(false);
        if (HtmlSniffer.IsHtmlMediaType(response.MediaType))
            ThrowHelper.ModelFormat($"{where}: returned HTML instead of a JSON manifest (Content-Type {response.MediaType})");
        using var memory = new MemoryStream();
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await PackageFileFetcher.ReadAsync(response.Content, buffer, stall, where, memory.Length).ConfigureAwait(false)) > 0)
        {
            if (JsonLimits.SizeProblem(memory.Length + n) is not null)
                ThrowHelper.ModelFormat($"{where}: the manifest is over {InputLimits.MaxJsonBytes} bytes; the limit is {InputLimits.MaxJsonBytes} (InputLimits.MaxJsonBytes)");
            memory.Write(buffer, 0, n);
        }
        return memory.ToArray();
    }

    /// <summary>
    /// True when manifest.json now differs from the one this load began with (the package was replaced under it).
    /// One attempt, no retries: it only words an error that is already certain, so "cannot tell" counts as unchanged.
    /// </summary>
    private async Task<bool> ManifestChangedAsync(CancellationToken cancellationToken)
    {
        if (_manifestSha256 is not { } loaded) return false;
        try
        {
            var now = await ReadManifestOnceAsync(_source.Describe(ManifestFileName), cancellationToken).ConfigureAwait(false);
            return !SHA256.HashData(now).AsSpan().SequenceEqual(loaded);
        }
        catch (Exception e) when (e is SourceFetchException or EdgeOptException)
        {
            return false;
        }
    }

    public void Dispose() => _source.Dispose();
}
