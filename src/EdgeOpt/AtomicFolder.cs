namespace EdgeOpt;

/// <summary>
/// Writes a whole output folder through a temporary sibling that is moved into place at the end, so a failure never
/// leaves a half-written folder where a reader (a browser, a loader) would take it for a complete one.
/// </summary>
internal static class AtomicFolder
{
    /// <summary>
    /// Refuses an output that is <paramref name="inputFile"/>'s own folder, a file, inside a missing folder, or non-empty
    /// without <paramref name="force"/>. <paramref name="what"/> names the output in messages ("package", "web bundle").
    /// </summary>
    /// <exception cref="UsageException">One of those mistakes, named in one line.</exception>
    public static void Validate(string inputFile, string outputFolder, string output, bool force, string what)
    {
        if (string.Equals(output, Path.GetDirectoryName(inputFile), StringComparison.Ordinal))
            ThrowHelper.Usage($"output folder '{outputFolder}' is the model's own folder; give a separate folder for the {what}");
        if (File.Exists(output))
            ThrowHelper.Usage($"output '{outputFolder}' is a file; expected a folder for the {what}");
        var parent = Path.GetDirectoryName(output);
        if (parent is null || !Directory.Exists(parent))
            ThrowHelper.Usage($"the folder containing '{outputFolder}' does not exist");
        if (!force && Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            ThrowHelper.Usage($"output folder '{outputFolder}' is not empty; use --force to replace it");
    }

    /// <summary>
    /// Runs <paramref name="write"/> on a fresh temporary sibling of <paramref name="output"/>, then swaps it into place
    /// (an existing folder is moved aside first and deleted only after the swap). On failure nothing changes at <paramref name="output"/>.
    /// </summary>
    public static T Write<T>(string output, Func<string, T> write)
    {
        var parent = Path.GetDirectoryName(output)!;
        var temp = Path.Combine(parent, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.tmp");
        var backup = Path.Combine(parent, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.old");
        try
        {
            Directory.CreateDirectory(temp);
            var result = write(temp);
            if (Directory.Exists(output))
            {
                if (Directory.EnumerateFileSystemEntries(output).Any()) Directory.Move(output, backup);
                else Directory.Delete(output);
            }
            Directory.Move(temp, output);
            TryDelete(backup);
            return result;
        }
        catch
        {
            TryDelete(temp);
            if (Directory.Exists(backup) && !Directory.Exists(output)) Directory.Move(backup, output);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
