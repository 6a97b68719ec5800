using System.Text.Json;
using EdgeOpt.Progressive.Packaging;

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

    /// <summary>The value of <see cref="Format"/>: marks a folder as EdgeOpt's output, so <c>--force</c> may replace it.</summary>
    public const string FormatName = "edgeopt-progressive-package";

    /// <summary>What wrote the manifest (<see cref="FormatName"/>); <c>manifest.json</c> alone is a common name.</summary>
    public string Format { get; init; } = FormatName;

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

    /// <summary>The manifest as UTF-8 JSON (camelCase, indented; deterministic for a given manifest).</summary>
    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, ProgressiveManifestJsonContext.Default.ProgressiveManifest);

    /// <summary>
    /// Reads and validates <c>manifest.json</c> in <paramref name="folder"/>: format version, every referenced file a plain
    /// name inside the folder, present with the recorded size, tensor ranges inside their chunks, and with
    /// <paramref name="verify"/> every file's SHA-256.
    /// </summary>
    /// <exception cref="ModelFormatException">The manifest is missing, malformed, points outside its folder, or a file does not match.</exception>
    public static ProgressiveManifest Load(string folder, bool verify = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder)) ThrowHelper.Usage($"package folder '{folder}' does not exist");
        var path = Path.Combine(folder, ProgressivePackager.ManifestFileName);
        if (!File.Exists(path)) ThrowHelper.ModelFormat($"'{folder}' is not a progressive package: {ProgressivePackager.ManifestFileName} is missing");

        if (JsonLimits.SizeProblem(FileLength.Of(path)) is { } size) ThrowHelper.ModelFormat($"{path}: not a valid manifest: {size}");
        var bytes = File.ReadAllBytes(path);
        if (JsonLimits.Problem(bytes) is { } limit) ThrowHelper.ModelFormat($"{path}: not a valid manifest: {limit}");
        ProgressiveManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(bytes, ProgressiveManifestJsonContext.Default.ProgressiveManifest);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not a valid manifest ({FileText.Escape(e.Message)})", e);
        }
        if (manifest is null) return ThrowHelper.ModelFormat<ProgressiveManifest>($"{path}: the manifest is empty (null)");
        try
        {
            manifest.Validate(folder, path, verify);
        }
        catch (EdgeOptException e) when (e.Message.Any(FileText.BreaksLine))
        {
            // File names come from the manifest: escape control characters so an error stays one line.
            throw FileText.OneLine(e);
        }
        return manifest;
    }

    private void Validate(string folder, string path, bool verify)
    {
        if (FormatVersion != CurrentFormatVersion)
            ThrowHelper.ModelFormat($"{path}: manifest format version {FormatVersion} is not supported; expected {CurrentFormatVersion}");
        if (Graph is null || Chunks is null) ThrowHelper.ModelFormat($"{path}: the manifest has no graph or chunk list");
        CheckFile(folder, path, "graph", Graph.File, Graph.Size, Graph.Sha256, verify);
        foreach (var chunk in Chunks)
        {
            if (chunk is null) ThrowHelper.ModelFormat($"{path}: the chunk list holds a null entry");
            CheckFile(folder, path, "chunk", chunk.File, chunk.Size, chunk.Sha256, verify);
            foreach (var dependency in chunk.Dependencies ?? []) CheckName(path, dependency);
            foreach (var t in chunk.Tensors ?? [])
                // Offset > Size - Length rather than Offset + Length > Size: the sum of two huge values wraps around.
                if (t is null || t.Offset < 0 || t.Length < 0 || t.Offset > chunk.Size - t.Length)
                    ThrowHelper.ModelFormat(t is null ? $"{path}: chunk '{FileText.Show(chunk.File)}' lists a null tensor"
                        : $"{path}: tensor '{FileText.Show(t.Name ?? "")}' range {t.Offset}+{t.Length} lies outside chunk '{FileText.Show(chunk.File)}' ({chunk.Size} bytes)");
        }
    }

    private static void CheckFile(string folder, string path, string kind, string name, long size, string sha256, bool verify)
    {
        CheckName(path, name);
        var file = new FileInfo(Path.Combine(folder, name));
        if (!file.Exists) ThrowHelper.ModelFormat($"{path}: {kind} '{name}' is missing from the package");
        if (file.Length != size) ThrowHelper.ModelFormat($"{path}: {kind} '{name}' is {file.Length} bytes; the manifest says {size} (truncated or replaced)");
        if (verify && !string.Equals(ContentHash.Hex(ContentHash.OfFile(file.FullName)), sha256, StringComparison.OrdinalIgnoreCase))
            ThrowHelper.ModelFormat($"{path}: {kind} '{name}' does not match its SHA-256 in the manifest (corrupt or tampered)");
    }

    /// <summary>Only plain file names: a manifest must never make a loader read or write outside the package folder.</summary>
    private static void CheckName(string path, string? name)
    {
        if (string.IsNullOrEmpty(name) || name is "." or ".." || name.Contains('/') || name.Contains('\\') || name.Contains('\0')
            || name.Contains(':') || Path.IsPathRooted(name))
            ThrowHelper.ModelFormat($"{path}: manifest references '{FileText.Show(name ?? "")}' outside its folder");
    }
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
