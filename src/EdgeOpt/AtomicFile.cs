using System.Text;

namespace EdgeOpt;

/// <summary>
/// Writes a whole file through a temporary sibling that is then moved into place, so a failure (full disk, killed
/// process) never leaves a partial file where a reader would take it for the real one.
/// </summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

    /// <exception cref="UsageException">The folder of <paramref name="path"/> does not exist.</exception>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) ThrowHelper.Usage($"output folder '{directory}' does not exist");
        var temp = Onnx.Serialization.OnnxWriter.TempSibling(full);
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
