namespace EdgeOpt.Onnx.Serialization;

/// <summary>
/// Validates external data locations before any file is opened: relative, no "..", no NUL, and, with every symlink
/// resolved (the data file's own included), inside the model's folder. As ONNX Runtime does since PR #27374 (issue #27353,
/// the Hugging Face hub cache, where <c>snapshots/&lt;rev&gt;/model.onnx</c> and <c>model.onnx_data</c> both link into
/// <c>blobs/</c>), "the model's folder" is the folder of the path given or, failing that, the folder of the model's canonical path.
/// </summary>
internal static class ExternalDataPaths
{
    /// <summary>
    /// The checked full path of <paramref name="location"/>; <paramref name="subject"/> starts messages (e.g. <c>model.onnx: tensor 'w'</c>).
    /// <paramref name="realModelDirectory"/>: the folder of the model's canonical path when the model was reached through a symlink.
    /// </summary>
    public static string Resolve(string baseDirectory, string location, string subject, string? realModelDirectory = null)
    {
        if (location.Length == 0)
            ThrowHelper.ModelFormat($"{subject}: external data has an empty location");
        if (location.Contains('\0'))
            ThrowHelper.ModelFormat($"{subject}: external data location contains a NUL character");
        if (Path.IsPathRooted(location) || location.StartsWith('/') || location.StartsWith('\\') || (location.Length > 1 && location[1] == ':'))
            ThrowHelper.ModelFormat($"{subject}: external data location '{location}' is absolute; it must be relative to the model's folder");
        if (location.Split('/', '\\').Any(s => s == ".."))
            ThrowHelper.ModelFormat($"{subject}: external data location '{location}' contains '..'; it must stay inside the model's folder");

        var real = RealPaths.Resolve(Path.GetFullPath(Path.Combine(baseDirectory, location)));
        if (IsUnder(real, RealPaths.Resolve(Path.GetFullPath(baseDirectory)))) return real;
        if (realModelDirectory is not null && IsUnder(real, RealPaths.Resolve(Path.GetFullPath(realModelDirectory)))) return real;
        var folders = realModelDirectory is null ? "the model's folder" : $"both the model's folder and the folder the model links to ('{realModelDirectory}')";
        return ThrowHelper.ModelFormat<string>($"{subject}: external data location '{location}' leads outside {folders} (through a symlink, to '{real}')");
    }

    private static bool IsUnder(string path, string folder)
    {
        var prefix = folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }
}
