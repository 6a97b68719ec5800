namespace EdgeOpt.Progressive;

/// <summary>What the last load did.</summary>
/// <param name="LoadedChunks">Weight chunks obtained (downloaded or from the cache).</param>
/// <param name="CacheHits">Package files (graph or chunks) taken from the cache after verifying them.</param>
/// <param name="Retries">Attempts repeated after a failure (bad hash or length, HTML, HTTP error, broken connection, stall), the manifest's included.</param>
/// <param name="BytesDownloaded">Bytes read from the source, failed attempts included; cache hits excluded.</param>
/// <param name="MegabytesPerSecond"><paramref name="BytesDownloaded"/> in MB (10^6 bytes) over <paramref name="Elapsed"/>.</param>
/// <param name="Elapsed">Wall time of the load so far (manifest to assembled model).</param>
public sealed record LoaderStatistics(int LoadedChunks, int CacheHits, int Retries, long BytesDownloaded, double MegabytesPerSecond, TimeSpan Elapsed);
