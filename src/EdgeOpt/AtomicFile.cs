using System.Text;

namespace EdgeOpt;

/// <summary>
/// Writes a whole file through a temporary sibling (<c>.&lt;name&gt;.edgeopt-tmp-&lt;pid&gt;-&lt;random&gt;</c>) that is then moved
/// into place, so a failure (full disk, killed process) never leaves a partial file where a reader would take it for the
/// real one; an interrupted write is removed by <see cref="PendingWrites.Abort"/>, a killed one by the next write there.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte order mark).</summary>
    /// <exception cref="UsageException">The folder of <paramref name="path"/> does not exist or does not accept new files.</exception>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

    /// <exception cref="UsageException">The folder of <paramref name="path"/> does not exist or does not accept new files.</exception>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(bytes);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) ThrowHelper.Usage($"output folder '{directory}' does not exist");
        if (Directory.Exists(full)) ThrowHelper.Usage($"cannot write '{full}': it is a folder");
        string temp;
        using (var stream = PendingWrites.CreateFile(full, out temp))
        {
            try
            {
                stream.Write(bytes);
            }
            catch (IOException e)
            {
                stream.Dispose();
                PendingWrites.Discard(temp);
                throw new IOException($"cannot write '{full}': {e.Message.Replace(temp, full, StringComparison.Ordinal)}", e);
            }
        }
        try
        {
            PendingWrites.Commit([temp], () => File.Move(temp, full, overwrite: true));
        }
        catch
        {
            PendingWrites.Discard(temp);
            throw;
        }
    }
}
