namespace EdgeOpt;

/// <summary>
/// The temporary files and folders outputs are being written through, so an interrupted command (Ctrl+C, SIGTERM) can
/// remove them with <see cref="Abort"/> and leave nothing behind. Every temp is created and every final move made under
/// one lock, so after <see cref="Abort"/> returns no output appears and no new temp is created.
/// </summary>
public static class PendingWrites
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<string> Live = new(StringComparer.Ordinal);
    private static bool _aborted;

    /// <summary>Whether <see cref="Abort"/> was called: every later write fails with <see cref="OperationCanceledException"/>.</summary>
    public static bool IsAborted
    {
        get { lock (Gate) return _aborted; }
    }

    /// <summary>
    /// Stops every write in this process: removes each temporary file and folder in progress (and each tracked scratch
    /// path), and makes any later attempt to create a temp or move one into place throw <see cref="OperationCanceledException"/>.
    /// Returns the number of paths removed. Meant for a process that is about to exit.
    /// </summary>
    public static int Abort()
    {
        lock (Gate)
        {
            _aborted = true;
            var removed = 0;
            foreach (var path in Live)
                if (Remove(path)) removed++;
            Live.Clear();
            return removed;
        }
    }

    /// <summary>Registers a scratch file or folder (e.g. under /tmp) that <see cref="Abort"/> removes; disposing unregisters it.</summary>
    public static IDisposable TrackScratch(string path)
    {
        var full = Path.GetFullPath(path);
        lock (Gate)
        {
            ThrowIfAborted();
            Live.Add(full);
        }
        return new Registration(full);
    }

    /// <summary>
    /// Creates and registers an empty temporary sibling file of <paramref name="finalPath"/>, first removing stale temps a
    /// killed process left in that folder. A folder that refuses new files is a <see cref="UsageException"/> naming <paramref name="finalPath"/>.
    /// </summary>
    internal static FileStream CreateFile(string finalPath, out string temp)
    {
        var full = Path.GetFullPath(finalPath);
        TempPaths.RemoveStale(Path.GetDirectoryName(full)!);
        temp = TempPaths.SiblingOf(full);
        lock (Gate)
        {
            ThrowIfAborted();
            var stream = Create(full, temp, t => new FileStream(t, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));
            Live.Add(temp);
            return stream;
        }
    }

    /// <summary>Creates and registers an empty temporary sibling folder of <paramref name="finalPath"/> (stale temps removed first).</summary>
    internal static string CreateFolder(string finalPath)
    {
        var full = Path.GetFullPath(finalPath);
        TempPaths.RemoveStale(Path.GetDirectoryName(full)!);
        var temp = TempPaths.SiblingOf(full);
        lock (Gate)
        {
            ThrowIfAborted();
            Create(full, temp, t => Directory.CreateDirectory(t));
            Live.Add(temp);
            return temp;
        }
    }

    /// <summary>Registers <paramref name="temp"/> (about to be created by a move under <see cref="Commit"/>) so an abort removes it.</summary>
    internal static void Adopt(string temp)
    {
        lock (Gate) Live.Add(temp);
    }

    /// <summary>
    /// Runs <paramref name="moves"/> (the renames that put outputs in place) unless aborted, then unregisters <paramref name="temps"/>.
    /// </summary>
    internal static void Commit(IEnumerable<string> temps, Action moves)
    {
        lock (Gate)
        {
            ThrowIfAborted();
            moves();
            foreach (var t in temps) Live.Remove(t);
        }
    }

    /// <summary>Unregisters <paramref name="path"/> without removing it (a backup moved back into place).</summary>
    internal static void Release(string path)
    {
        lock (Gate) Live.Remove(path);
    }

    /// <summary>Removes <paramref name="temp"/> and unregisters it (a failed or finished write cleaning up).</summary>
    internal static void Discard(string temp)
    {
        lock (Gate)
        {
            Remove(temp);
            Live.Remove(temp);
        }
    }

    private static T Create<T>(string final, string temp, Func<string, T> create)
    {
        try
        {
            return create(temp);
        }
        catch (UnauthorizedAccessException)
        {
            return ThrowHelper.Usage<T>($"cannot write '{final}': permission denied in '{Path.GetDirectoryName(final)}'");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // /proc and the like: the temp's name means nothing to the user, so name the output instead.
            return ThrowHelper.Usage<T>($"cannot write '{final}': its folder '{Path.GetDirectoryName(final)}' does not accept new files");
        }
        catch (IOException e)
        {
            var reason = e.Message.Replace(temp, final, StringComparison.Ordinal);
            return ThrowHelper.Usage<T>($"cannot write '{final}': its folder '{Path.GetDirectoryName(final)}' does not accept new files ({reason})");
        }
    }

    private static void ThrowIfAborted()
    {
        if (_aborted) throw new OperationCanceledException("interrupted; nothing written");
    }

    private static bool Remove(string path)
    {
        // A folder may still be filled by a worker thread while it is removed: retry a few times.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                var info = new FileInfo(path);
                if (info.LinkTarget is null && Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else if (info.Exists || info.LinkTarget is not null) info.Delete();
                else return false;
                return true;
            }
            catch (DirectoryNotFoundException)
            {
                return false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(20);
            }
        }
        return false;
    }

    private sealed class Registration(string path) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate) Live.Remove(path);
        }
    }
}
