namespace EdgeOpt.Progressive.Loading;

/// <summary>
/// Checks a manifest before any file is fetched: its version, that every file name stays inside the package folder,
/// and that sizes, hashes and tensor ranges are coherent.
/// </summary>
internal static class ManifestValidator
{
    public static void Validate(ProgressiveManifest manifest, string where)
    {
        if (manifest.FormatVersion != ProgressiveManifest.CurrentFormatVersion)
            ThrowHelper.ModelFormat($"{where}: manifest format version {manifest.FormatVersion} is not supported; this build reads version {ProgressiveManifest.CurrentFormatVersion}");
        if (manifest.Graph is null || manifest.Chunks is null)
            ThrowHelper.ModelFormat($"{where}: manifest has no {(manifest.Graph is null ? "graph" : "chunks")} entry");

        var names = new HashSet<string>(StringComparer.Ordinal);
        CheckFile(where, "graph file", manifest.Graph.File, manifest.Graph.Size, manifest.Graph.Sha256, names);
        var total = manifest.Graph.Size;
        foreach (var chunk in manifest.Chunks)
        {
            if (chunk is null) ThrowHelper.ModelFormat($"{where}: the chunk list holds a null entry");
            CheckFile(where, "chunk", chunk.File, chunk.Size, chunk.Sha256, names);
            // Each size is at most Array.MaxLength, so the sum stays far from overflow until well past the limit.
            total += chunk.Size;
            if (total > InputLimits.MaxExternalDataBytes)
                ThrowHelper.ModelFormat($"{where}: the graph and chunks add up to over {InputLimits.MaxExternalDataBytes} bytes at chunk '{FileText.Show(chunk.File)}'; the limit is {InputLimits.MaxExternalDataBytes} (InputLimits.MaxExternalDataBytes)");
            foreach (var dependency in chunk.Dependencies ?? []) CheckName(where, "dependency", dependency);
            foreach (var tensor in chunk.Tensors ?? [])
                if (tensor is null || tensor.Offset < 0 || tensor.Length < 0 || tensor.Offset > chunk.Size - tensor.Length)
                    ThrowHelper.ModelFormat(tensor is null ? $"{where}: chunk '{FileText.Show(chunk.File)}' lists a null tensor"
                        : $"{where}: tensor '{FileText.Show(tensor.Name ?? "")}' range {tensor.Offset}+{tensor.Length} is outside chunk '{FileText.Show(chunk.File)}' ({chunk.Size} bytes)");
        }
        if (total != manifest.TotalBytes)
            ThrowHelper.ModelFormat($"{where}: totalBytes is {manifest.TotalBytes} but the graph and chunks add up to {total}");
    }

    private static void CheckFile(string where, string kind, string file, long size, string sha256, HashSet<string> names)
    {
        CheckName(where, kind, file);
        if (!names.Add(file)) ThrowHelper.ModelFormat($"{where}: {kind} '{FileText.Show(file)}' is listed twice");
        if (size < 0 || size > Array.MaxLength)
            ThrowHelper.ModelFormat($"{where}: {kind} '{FileText.Show(file)}' has size {size}; expected 0 to {Array.MaxLength} bytes");
        if (sha256 is null || sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
            ThrowHelper.ModelFormat($"{where}: {kind} '{FileText.Show(file)}' has sha256 '{FileText.Show(sha256 ?? "")}'; expected 64 lower-case hex digits");
    }

    /// <summary>A file name must be a plain name inside the package folder: no separators, no '..', not rooted.</summary>
    private static void CheckName(string where, string kind, string file)
    {
        if (string.IsNullOrEmpty(file) || file.Contains('/') || file.Contains('\\') || file.Contains("..", StringComparison.Ordinal)
            || file.Contains('\0') || Path.IsPathRooted(file) || (file.Length > 1 && file[1] == ':'))
            ThrowHelper.ModelFormat($"{where}: {kind} name '{FileText.Show(file ?? "")}' is not a plain file name inside the package folder (no '/', '\\', '..' or root allowed)");
    }
}
