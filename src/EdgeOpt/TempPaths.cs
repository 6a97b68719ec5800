using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeOpt;

/// <summary>
/// Names of the temporary siblings outputs are written through: <c>.&lt;name&gt;.edgeopt-tmp-&lt;pid&gt;-&lt;random&gt;</c>. The
/// pattern and the writer's process id make a temp left by a killed process (SIGKILL, power loss) recognisable, so the next
/// write into the same folder removes it; a live process's temp and anything not matching the pattern are never touched.
/// </summary>
internal static partial class TempPaths
{
    private const string Marker = ".edgeopt-tmp-";

    /// <summary>A fresh temporary sibling of <paramref name="finalPath"/> (same folder, so the final move is a rename).</summary>
    public static string SiblingOf(string finalPath)
    {
        var full = Path.GetFullPath(finalPath);
        var name = $".{Path.GetFileName(full)}{Marker}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}";
        return Path.Combine(Path.GetDirectoryName(full)!, name);
    }

    /// <summary>Whether <paramref name="path"/>'s file name has the temporary pattern.</summary>
    public static bool IsTemp(string path) => Pattern().IsMatch(Path.GetFileName(path));

    /// <summary>
    /// Removes temps in <paramref name="folder"/> whose writer process is no longer alive. Best effort: a folder that
    /// cannot be listed, or an entry that cannot be removed, is left as it is.
    /// </summary>
    public static void RemoveStale(string folder)
    {
        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = new DirectoryInfo(folder).EnumerateFileSystemInfos($"*{Marker}*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var entry in entries)
        {
            var match = Pattern().Match(entry.Name);
            if (!match.Success || !int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid == Environment.ProcessId || IsAlive(pid)) continue;
            try
            {
                // A link is removed itself, never followed.
                if (entry is DirectoryInfo { LinkTarget: null } directory) directory.Delete(recursive: true);
                else entry.Delete();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    internal static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^\..+\.edgeopt-tmp-([0-9]{1,10})-[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
