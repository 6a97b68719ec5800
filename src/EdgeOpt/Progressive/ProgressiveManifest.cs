namespace EdgeOpt.Progressive;

/// <summary>
/// <c>manifest.json</c> of a progressive package: the small graph file (weights as external data) and the
/// content-addressed weight chunks a loader fetches, verifies and caches. Written last, so a folder without a manifest
/// is never mistaken for a complete package.
/// </summary>
public sealed record ProgressiveManifest
{
    /// <summary>The format this build reads and writes; a loader refuses any other (and drops caches of older ones).</summary>
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The model's graph name (or file name without extension).</summary>
    public required string ModelName { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the original model file.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>The graph file: the model with every chunked tensor as external data pointing into its chunk.</summary>
    public required ChunkFile Graph { get; init; }

    /// <summary>Bytes of the graph plus every chunk.</summary>
    public required long TotalBytes { get; init; }

    /// <summary>The chunk size the package was cut with, in bytes.</summary>
    public required long ChunkSize { get; init; }

    /// <summary>Weight chunks in priority order (the order a loader should fetch them).</summary>
    public required IReadOnlyList<ManifestChunk> Chunks { get; init; }
}

/// <summary>A file of the package with its integrity data.</summary>
/// <param name="File">File name relative to the package folder (content-addressed: the SHA-256 hex plus an extension).</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Sha256">SHA-256, lower-case hex.</param>
/// <param name="Integrity">Subresource Integrity string, <c>sha256-&lt;base64&gt;</c>, for <c>fetch(url, { integrity })</c>.</param>
public sealed record ChunkFile(string File, long Size, string Sha256, string Integrity);

/// <summary>One weight chunk: a file holding whole tensors back to back.</summary>
public sealed record ManifestChunk
{
    public required string File { get; init; }
    public required long Size { get; init; }
    public required string Sha256 { get; init; }
    public required string Integrity { get; init; }

    /// <summary>0 = needed first: the rank of the chunk's earliest tensor use in the graph's topological order.</summary>
    public required int Priority { get; init; }

    /// <summary>The tensors in the chunk with their byte ranges inside it.</summary>
    public required IReadOnlyList<ChunkTensor> Tensors { get; init; }

    /// <summary>Files (the graph, other chunks) that must be present before this chunk is useful; usually just the graph.</summary>
    public IReadOnlyList<string> Dependencies { get; init; } = [];
}

/// <summary>A tensor stored in a chunk: <c>chunk[Offset .. Offset + Length)</c> is its raw little-endian data.</summary>
/// <param name="Name">Initializer name in the graph.</param>
/// <param name="Offset">Start within the chunk file.</param>
/// <param name="Length">Bytes.</param>
/// <param name="Sha256">SHA-256 of the tensor's bytes (lets a delta update keep unchanged tensors).</param>
public sealed record ChunkTensor(string Name, long Offset, long Length, string Sha256);
