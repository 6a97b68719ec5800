namespace EdgeOpt.Progressive;

/// <summary>How <see cref="ProgressivePackager"/> cuts a model into a progressive package.</summary>
public sealed record ProgressiveOptions
{
    /// <summary>Smallest accepted chunk size: below this the per-request overhead dominates the transfer.</summary>
    public const long MinChunkSize = 4 * 1024;

    /// <summary>Largest accepted chunk size (2 GiB): larger files defeat progressive loading and strain 32-bit loaders.</summary>
    public const long MaxChunkSize = 2L * 1024 * 1024 * 1024;

    /// <summary>The default <see cref="ChunkSize"/> (4 MiB), also of <see cref="Web.WebBundleOptions.ChunkSize"/> and both CLI commands.</summary>
    public const long DefaultChunkSize = 4 * 1024 * 1024;

    /// <summary>Target bytes per chunk (default <see cref="DefaultChunkSize"/>). A tensor larger than this gets a chunk of its own.</summary>
    public long ChunkSize { get; init; } = DefaultChunkSize;

    /// <summary>Initializers of at least this many bytes go to chunks; smaller ones stay inline in the graph file.</summary>
    public long MinChunkedTensorBytes { get; init; } = 1024;

    /// <summary>
    /// Replace an earlier EdgeOpt package in the output folder. Never replaces a folder that holds the model (or an ancestor
    /// of it) or anything EdgeOpt did not write as a package: those are refused whatever this says.
    /// </summary>
    public bool Force { get; init; }

    /// <summary>Every problem with these options, all at once (empty: they can work); <see cref="ProgressivePackager"/> refuses through it.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (ChunkSize < MinChunkSize) problems.Add(new($"{{0}} {ChunkSize} bytes is out of range (min 4 KiB)", Name(nameof(ChunkSize))));
        if (ChunkSize > MaxChunkSize) problems.Add(new($"{{0}} {ChunkSize} bytes is out of range (max 2 GiB)", Name(nameof(ChunkSize))));
        if (MinChunkedTensorBytes < 1) problems.Add(new($"{{0}} {MinChunkedTensorBytes} must be at least 1 byte", Name(nameof(MinChunkedTensorBytes))));
        return problems;

        static string Name(string member) => $"{nameof(ProgressiveOptions)}.{member}";
    }
}
