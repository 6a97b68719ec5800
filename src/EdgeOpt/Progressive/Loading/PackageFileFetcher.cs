using System.Buffers;
using System.Security.Cryptography;

namespace EdgeOpt.Progressive.Loading;

/// <summary>A file the manifest promises: its name, exact size and SHA-256.</summary>
internal sealed record PackageFile(string File, long Size, string Sha256, bool IsChunk)
{
    public string Kind => IsChunk ? "chunk" : "graph file";
}

/// <summary>
/// Gets one package file as verified bytes. A valid cached copy is used as is (its hash checked once); otherwise the
/// file is streamed from the source into a <c>.part</c> file of its own (see <see cref="CacheParts"/>: loaders in other
/// processes sharing the cache never write the same one) while being hashed, and renamed into the cache only when
/// length and SHA-256 match; the rename is atomic, so a reader of the cache sees no file or a whole one. A bad attempt
/// (wrong hash or length, HTML, HTTP error, broken connection, stall) is discarded and retried after a wait
/// (<see cref="RetryPolicy"/>), up to <see cref="LoaderOptions.MaxRetries"/> times; then the load fails with the last
/// reason. A file that is gone (404/410), or one that fails for good, is checked against
/// <paramref name="packageChanged"/>: a package replaced under the load is reported as such.
/// </summary>
internal sealed class PackageFileFetcher(IPackageSource source, string? cacheFolder, LoaderOptions options, LoadCounters counters,
    Func<CancellationToken, Task<bool>> packageChanged)
{
    private const int BufferSize = 1 << 16;
    private const int InitialResultBytes = 1 << 20;

    public async Task<byte[]> FetchAsync(PackageFile file, CancellationToken cancellationToken)
    {
        if (cacheFolder is not null && await TryCachedAsync(file, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            counters.AddCacheHit();
            counters.Verified(file.File, file.Size, file.IsChunk);
            return cached;
        }

        var attempts = options.MaxRetries + 1;
        for (var attempt = 1; ; attempt++)
        {
            AttemptFailure failure;
            TimeSpan? retryAfter = null;
            var gone = false;
            try
            {
                var bytes = await DownloadOnceAsync(file, cancellationToken).ConfigureAwait(false);
                counters.Verified(file.File, file.Size, file.IsChunk);
                return bytes;
            }
            catch (AttemptFailure f)
            {
                failure = f;
            }
            catch (SourceFetchException e)
            {
                failure = new AttemptFailure(n => $"{file.Kind} '{file.File}': {e.Message} ({n} attempts)", isVerification: false);
                retryAfter = e.RetryAfter;
                gone = e.IsGone;
            }
            if (gone || attempt >= attempts)
            {
                // Hashes pin every file to the manifest the load began with, so a replaced package can only fail, never
                // mix versions; saying so turns a puzzling 404 or hash mismatch into "load again".
                if (await packageChanged(cancellationToken).ConfigureAwait(false))
                    throw new EdgeOptException($"{failure.Describe(attempt)}; manifest.json changed while this load ran (the package was replaced): load it again");
                if (attempt >= attempts)
                    throw failure.IsVerification ? new DataFormatException(failure.Describe(attempt)) : new EdgeOptException(failure.Describe(attempt));
            }
            counters.AddRetry();
            await Task.Delay(RetryPolicy.Wait(options, attempt, retryAfter), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The cached bytes if the cache holds a copy that verifies; a bad copy is evicted.</summary>
    private async Task<byte[]?> TryCachedAsync(PackageFile file, CancellationToken cancellationToken)
    {
        var path = Path.Combine(cacheFolder!, file.File);
        if (!File.Exists(path)) return null;
        byte[] bytes;
        try
        {
            if (new FileInfo(path).Length != file.Size)
            {
                Evict(path);
                return null;
            }
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            return null;
        }
        if (bytes.LongLength == file.Size && Convert.ToHexStringLower(SHA256.HashData(bytes)) == file.Sha256) return bytes;
        Evict(path);
        return null;
    }

    private async Task<byte[]> DownloadOnceAsync(PackageFile file, CancellationToken cancellationToken)
    {
        var where = source.Describe(file.File);
        using var stall = new StallGuard(options.StallTimeout, cancellationToken);
        using var response = await OpenAsync(source, file.File, stall, where).ConfigureAwait(false);
        if (HtmlSniffer.IsHtmlMediaType(response.MediaType))
            throw new AttemptFailure(n => $"{file.Kind} '{file.File}': {where} returned HTML instead of binary (Content-Type {response.MediaType}; {n} attempts)", isVerification: true);

        // Grown as bytes arrive rather than sized from the manifest up front: a manifest that promises 2 GiB per file
        // costs only what the source really sends.
        var result = new byte[Math.Min(file.Size, InitialResultBytes)];
        var partPath = cacheFolder is null ? null : Path.Combine(cacheFolder, CacheParts.NameFor(file.File));
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long received = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var part = partPath is null ? null : new FileStream(partPath, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
            {
                int n;
                while ((n = await ReadAsync(response.Content, buffer, stall, where, received).ConfigureAwait(false)) > 0)
                {
                    counters.AddDownloaded(n);
                    hash.AppendData(buffer, 0, n);
                    // Bytes past the promised size are hashed (for the message) but not kept.
                    if (received < file.Size)
                    {
                        var keep = (int)Math.Min(n, file.Size - received);
                        if (received + keep > result.Length)
                            Array.Resize(ref result, (int)Math.Min(file.Size, Math.Max(received + keep, 2L * result.Length)));
                        buffer.AsSpan(0, keep).CopyTo(result.AsSpan((int)received));
                        if (part is not null) await part.WriteAsync(buffer.AsMemory(0, keep), cancellationToken).ConfigureAwait(false);
                    }
                    received += n;
                }
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (received != file.Size || actual != file.Sha256)
            {
                if (HtmlSniffer.LooksLikeHtml(result.AsSpan(0, (int)Math.Min(received, Math.Min(file.Size, 64)))))
                    throw new AttemptFailure(n => $"{file.Kind} '{file.File}': {where} returned HTML instead of binary ({n} attempts)", isVerification: true);
                throw new AttemptFailure(n => $"{file.Kind} '{file.File}' failed verification {n} times: expected sha256 {file.Sha256} ({file.Size} bytes), got {actual} ({received} bytes) from {where}", isVerification: true);
            }
            if (partPath is not null) File.Move(partPath, Path.Combine(cacheFolder!, file.File), overwrite: true);
            return result;
        }
        catch
        {
            if (partPath is not null) Evict(partPath);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Opens <paramref name="file"/> within <paramref name="stall"/>'s limit: a server that sends no headers in time is a retryable failure naming the URL.</summary>
    internal static async Task<SourceResponse> OpenAsync(IPackageSource source, string file, StallGuard stall, string where)
    {
        try
        {
            return await source.OpenAsync(file, stall.Arm()).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (stall.Stalled)
        {
            throw new SourceFetchException(stall.Describe(where), e);
        }
    }

    /// <summary>One read of the body: a broken connection or a stall becomes a retryable failure naming the URL.</summary>
    internal static async Task<int> ReadAsync(Stream content, byte[] buffer, StallGuard stall, string where, long received)
    {
        try
        {
            return await content.ReadAsync(buffer.AsMemory(0, BufferSize), stall.Arm()).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (stall.Stalled)
        {
            throw new SourceFetchException($"{stall.Describe(where)} after {received} bytes", e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new SourceFetchException($"{where}: the connection broke after {received} bytes ({FileText.Escape(e.Message)})", e);
        }
    }

    private static void Evict(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Why one attempt failed; <see cref="Describe"/> words it for the final error given the attempt count.</summary>
    private sealed class AttemptFailure(Func<int, string> describe, bool isVerification) : Exception
    {
        public bool IsVerification { get; } = isVerification;
        public string Describe(int attempts) => describe(attempts);
    }
}
