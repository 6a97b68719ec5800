using System.Diagnostics;

namespace EdgeOpt.Progressive.Loading;

/// <summary>Thread-safe counters of one load, turned into <see cref="LoaderStatistics"/> and progress events.</summary>
internal sealed class LoadCounters(Action<LoadProgress> report)
{
    private readonly Lock _lock = new();
    private readonly Stopwatch _clock = new();
    private int _loadedChunks, _cacheHits, _retries, _chunksDone, _chunksTotal;
    private long _bytesDownloaded, _bytesDone, _bytesTotal;

    /// <summary>Zeroes the counters and starts the clock, before the manifest (its retries count too).</summary>
    public void Start()
    {
        lock (_lock)
        {
            _loadedChunks = _cacheHits = _retries = _chunksDone = _chunksTotal = 0;
            _bytesDownloaded = _bytesDone = _bytesTotal = 0;
            _clock.Restart();
        }
    }

    /// <summary>What the manifest promises, once it is known.</summary>
    public void SetTotals(long bytesTotal, int chunksTotal)
    {
        lock (_lock)
        {
            _bytesTotal = bytesTotal;
            _chunksTotal = chunksTotal;
        }
    }

    public void Stop() => _clock.Stop();

    public void AddDownloaded(long bytes) => Interlocked.Add(ref _bytesDownloaded, bytes);
    public void AddRetry() => Interlocked.Increment(ref _retries);
    public void AddCacheHit() => Interlocked.Increment(ref _cacheHits);

    /// <summary>Counts a verified file and reports progress; under the lock, so events arrive in increasing order.</summary>
    public void Verified(string file, long size, bool isChunk)
    {
        lock (_lock)
        {
            _bytesDone += size;
            if (isChunk)
            {
                _chunksDone++;
                _loadedChunks++;
            }
            report(new LoadProgress(file, _bytesDone, _bytesTotal, _chunksDone, _chunksTotal));
        }
    }

    public LoaderStatistics Snapshot()
    {
        lock (_lock)
        {
            var elapsed = _clock.Elapsed;
            var downloaded = Interlocked.Read(ref _bytesDownloaded);
            var rate = elapsed.TotalSeconds > 0 ? downloaded / 1e6 / elapsed.TotalSeconds : 0;
            return new LoaderStatistics(_loadedChunks, Volatile.Read(ref _cacheHits), Volatile.Read(ref _retries), downloaded, rate, elapsed);
        }
    }
}
