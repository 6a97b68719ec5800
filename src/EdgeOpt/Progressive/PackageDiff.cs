namespace EdgeOpt.Progressive;

/// <summary>What a client holding the old package must fetch to get the new one.</summary>
/// <param name="FilesToFetch">Files of the new package (graph first, then chunks in priority order) whose content the old one lacks.</param>
/// <param name="BytesToFetch">Bytes of <paramref name="FilesToFetch"/>.</param>
/// <param name="TotalBytes">Bytes of the whole new package (graph plus chunks).</param>
/// <param name="UnchangedTensors">Chunked tensors of the new package present with the same name and bytes in the old one.</param>
/// <param name="ChangedTensors">Names of chunked tensors that are new or whose bytes changed.</param>
public sealed record PackageDiffResult(IReadOnlyList<string> FilesToFetch, long BytesToFetch, long TotalBytes, int UnchangedTensors, IReadOnlyList<string> ChangedTensors)
{
    /// <summary>Share of the new package a delta update downloads (0 = nothing).</summary>
    public double FetchFraction => TotalBytes == 0 ? 0 : (double)BytesToFetch / TotalBytes;
}

/// <summary>Compares two progressive packages by content hash.</summary>
public static class PackageDiff
{
    /// <exception cref="ModelFormatException">Either folder is not a valid package.</exception>
    public static PackageDiffResult Compare(string oldFolder, string newFolder)
    {
        var before = ProgressiveManifest.Load(oldFolder);
        var after = ProgressiveManifest.Load(newFolder);

        var held = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { before.Graph.Sha256 };
        foreach (var c in before.Chunks) held.Add(c.Sha256);

        var files = new List<string>();
        long bytes = 0;
        if (held.Add(after.Graph.Sha256)) { files.Add(after.Graph.File); bytes += after.Graph.Size; }
        foreach (var c in after.Chunks)
            if (held.Add(c.Sha256)) { files.Add(c.File); bytes += c.Size; }

        var oldTensors = before.Chunks.SelectMany(c => c.Tensors).Select(t => (t.Name, t.Sha256)).ToHashSet();
        var unchanged = 0;
        var changed = new List<string>();
        foreach (var t in after.Chunks.SelectMany(c => c.Tensors))
        {
            if (oldTensors.Contains((t.Name, t.Sha256))) unchanged++;
            else changed.Add(t.Name);
        }
        return new PackageDiffResult(files, bytes, after.TotalBytes, unchanged, changed);
    }
}
