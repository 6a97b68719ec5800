using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Serialization;
using EdgeOpt.Progressive.Packaging;

namespace EdgeOpt.Progressive;

/// <summary>
/// Cuts a model into a progressive package: a small graph file whose large initializers are external data pointing into
/// content-addressed weight chunks, plus <c>manifest.json</c>. ONNX Runtime loads the graph file straight from the folder.
/// </summary>
public static class ProgressivePackager
{
    public const string ManifestFileName = "manifest.json";

    /// <summary>
    /// Writes the package for <paramref name="modelPath"/> into <paramref name="outputFolder"/>. Deterministic (same input,
    /// byte-identical folder) and atomic: everything goes to a temporary sibling folder, manifest last, then moves into place.
    /// </summary>
    /// <exception cref="UsageException">
    /// Bad chunk size, or the output folder refused: it holds the model (or is one of its folders), holds files EdgeOpt
    /// did not write as a package, or is an earlier package and <see cref="ProgressiveOptions.Force"/> is not set. Nothing is touched then.
    /// </exception>
    public static ProgressiveManifest Package(string modelPath, string outputFolder, ProgressiveOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        ArgumentNullException.ThrowIfNull(options);
        var input = Path.GetFullPath(modelPath);
        var output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputFolder));
        Validate(modelPath, input, outputFolder, output, options);

        // The model-file hash is a separate read of the file; run it alongside loading, chunking and writing.
        var modelHash = Task.Run(() => ContentHash.OfFile(input));
        using var model = Model.Load(input);
        var slots = ChunkLayout.Plan(model.Graph, options);

        return AtomicFolder.Write(output, temp =>
        {
            var placements = new Dictionary<Tensor, (string Location, long Offset)>(ReferenceEqualityComparer.Instance);
            // Chunks are independent: hash and write them on every core; the result does not depend on the schedule.
            var chunks = new ManifestChunk[slots.Count];
            Parallel.For(0, slots.Count, i => chunks[i] = ChunkWriter.Write(temp, i, slots[i]));
            for (var i = 0; i < slots.Count; i++)
                foreach (var placed in slots[i].Tensors) placements[placed.Tensor] = (chunks[i].File, placed.Offset);

            var graphBytes = OnnxWriter.ToBytesWithExternalReferences(model, t => placements.TryGetValue(t, out var p) ? p : null);
            var graphHash = ContentHash.Of(graphBytes);
            var graph = new ChunkFile(ContentHash.Hex(graphHash) + ".onnx", graphBytes.Length, ContentHash.Hex(graphHash), ContentHash.Integrity(graphHash));
            File.WriteAllBytes(Path.Combine(temp, graph.File), graphBytes);

            var manifest = new ProgressiveManifest
            {
                ModelName = model.Graph.Name.Length > 0 ? model.Graph.Name : Path.GetFileNameWithoutExtension(input),
                ModelSha256 = ContentHash.Hex(modelHash.GetAwaiter().GetResult()),
                Graph = graph,
                TotalBytes = graph.Size + chunks.Sum(c => c.Size),
                ChunkSize = options.ChunkSize,
                Chunks = chunks.Select(c => c with { Dependencies = [graph.File] }).ToList(),
            };
            // Last, so a folder without a manifest is never taken for a complete package.
            File.WriteAllBytes(Path.Combine(temp, ManifestFileName), manifest.ToJsonBytes());
            return manifest;
        }, revalidate: () => Validate(modelPath, input, outputFolder, output, options));
    }

    private static void Validate(string modelPath, string input, string outputFolder, string output, ProgressiveOptions options)
    {
        ThrowHelper.IfInvalid(options.Validate());
        if (!File.Exists(input))
            throw new FileNotFoundException($"model '{modelPath}' not found", modelPath);
        AtomicFolder.Validate(input, outputFolder, output, options.Force, "package", PackageFolder.FindForeign);
    }
}
