namespace EdgeOpt;

/// <summary>
/// Writes a whole output folder through a temporary sibling that is moved into place at the end, so a failure never
/// leaves a half-written folder where a reader (a browser, a loader) would take it for a complete one. An existing folder
/// is replaced only when it is empty or an earlier EdgeOpt output holding nothing EdgeOpt did not write.
/// </summary>
internal static class AtomicFolder
{
    /// <summary>
    /// Refuses an output that is a file, a symlink, inside a missing or unwritable folder, the folder holding <paramref name="inputFile"/>
    /// or one of its ancestors (canonical paths compared, symlinks resolved), or non-empty unless it is an earlier output
    /// of the same kind and <paramref name="force"/> is set. <paramref name="what"/> names the output in messages
    /// ("package", "web bundle"); <paramref name="findForeign"/> names the first entry of a folder EdgeOpt did not write
    /// as that output (its marker missing, or a file it does not list), or returns null for an earlier output.
    /// </summary>
    /// <exception cref="UsageException">One of those refusals, named in one line; nothing is touched.</exception>
    public static void Validate(string inputFile, string outputFolder, string output, bool force, string what, Func<string, string?> findForeign)
    {
        if (File.Exists(output) && !Directory.Exists(output))
            ThrowHelper.Usage($"output '{outputFolder}' is a file; expected a folder for the {what}");
        if (new DirectoryInfo(output).LinkTarget is not null)
            ThrowHelper.Usage($"output folder '{outputFolder}' is a symbolic link; give the folder it points to, or a new folder, for the {what}");
        var parent = Path.GetDirectoryName(output);
        if (parent is null || !Directory.Exists(parent))
            ThrowHelper.Usage($"the folder containing '{outputFolder}' does not exist");
        if (!CanCreateIn(output))
            ThrowHelper.Usage($"cannot write '{outputFolder}': its folder '{parent}' does not accept new entries (read-only or a virtual file system)");
        if (string.Equals(output, Path.GetDirectoryName(inputFile), StringComparison.Ordinal))
            ThrowHelper.Usage($"output folder '{outputFolder}' is the model's own folder; give a separate folder for the {what}");
        if (Contains(output, inputFile))
            ThrowHelper.Usage($"output folder '{outputFolder}' contains the input model '{inputFile}'; give a separate folder for the {what}");
        if (!Directory.Exists(output) || !Directory.EnumerateFileSystemEntries(output).Any()) return;

        var foreign = findForeign(output);
        if (foreign is not null)
            ThrowHelper.Usage($"output folder '{outputFolder}' holds files EdgeOpt did not write ({foreign}); {(force ? $"--force replaces only an empty folder or an earlier EdgeOpt {what}" : "give an empty or new folder")}");
        if (!force)
            ThrowHelper.Usage($"output folder '{outputFolder}' holds an earlier {what}; use --force to replace it");
    }

    /// <summary>
    /// Whether a temporary sibling of <paramref name="output"/> can be created (and is removed again at once): found out
    /// before any work starts, so a long run never ends in a write that was bound to fail.
    /// </summary>
    private static bool CanCreateIn(string output)
    {
        var probe = TempPaths.SiblingOf(output);
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> on a fresh temporary sibling of <paramref name="output"/>, calls <paramref name="revalidate"/>
    /// (the folder may have changed meanwhile), then swaps it into place: an existing folder is moved aside first and
    /// deleted only after the swap. The re-check and the swap hold <see cref="OutputLock"/>, so a second process writing
    /// the same folder swaps after the first, whole, or is refused by its re-check. On failure or interruption nothing
    /// changes at <paramref name="output"/>.
    /// </summary>
    public static T Write<T>(string output, Func<string, T> write, Action? revalidate = null)
    {
        var temp = PendingWrites.CreateFolder(output);
        string? backup = null;
        OutputLock? turn = null;
        try
        {
            var result = write(temp);
            // Another process may be swapping the same output: take turns, and re-check after its swap.
            turn = OutputLock.Acquire(output);
            revalidate?.Invoke();
            PendingWrites.Commit([temp], () =>
            {
                if (Directory.Exists(output))
                {
                    if (Directory.EnumerateFileSystemEntries(output).Any())
                    {
                        backup = TempPaths.SiblingOf(output);
                        PendingWrites.Adopt(backup);
                        Directory.Move(output, backup);
                    }
                    else Directory.Delete(output);
                }
                Directory.Move(temp, output);
            });
            if (backup is not null) PendingWrites.Discard(backup);
            return result;
        }
        catch
        {
            PendingWrites.Discard(temp);
            if (backup is not null)
            {
                if (Directory.Exists(backup) && !Directory.Exists(output)) Directory.Move(backup, output);
                PendingWrites.Release(backup);
            }
            throw;
        }
        finally
        {
            turn?.Dispose();
        }
    }

    // Lexically and with every symlink resolved: a folder reached through a link still contains what its target holds.
    private static bool Contains(string folder, string file)
    {
        if (IsUnder(file, folder)) return true;
        var realFolder = RealPaths.Resolve(folder);
        var realFile = RealPaths.Resolve(file);
        return IsUnder(realFile, realFolder) || IsUnder(file, realFolder) || IsUnder(realFile, folder);
    }

    private static bool IsUnder(string path, string folder)
    {
        var prefix = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }
}
