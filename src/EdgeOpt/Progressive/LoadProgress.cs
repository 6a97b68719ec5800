namespace EdgeOpt.Progressive;

/// <summary>
/// Raised each time a package file has been verified (downloaded or taken from the cache). Counts only grow, and the
/// last event of a successful load has <c>BytesDone == BytesTotal</c> and <c>ChunksDone == ChunksTotal</c>.
/// </summary>
/// <param name="File">The file just verified (the graph file or a chunk).</param>
/// <param name="BytesDone">Bytes of verified files so far (graph included).</param>
/// <param name="BytesTotal">Bytes of the graph plus every chunk.</param>
/// <param name="ChunksDone">Weight chunks verified so far.</param>
/// <param name="ChunksTotal">Weight chunks in the manifest.</param>
public sealed record LoadProgress(string File, long BytesDone, long BytesTotal, int ChunksDone, int ChunksTotal)
{
    /// <summary>Fraction of bytes done, 0 to 1 (1 for an empty package).</summary>
    public double Fraction => BytesTotal == 0 ? 1 : (double)BytesDone / BytesTotal;
}
