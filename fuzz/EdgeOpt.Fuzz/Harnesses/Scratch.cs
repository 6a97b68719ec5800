namespace EdgeOpt.Fuzz;

/// <summary>
/// The folder a fuzzing process writes its inputs to (file-based readers take paths): <c>edgeopt-fuzz-PID</c> under
/// <c>/dev/shm</c> when it exists (no disk writes per execution), else the temp folder. Folders of processes that are
/// gone are removed when a new one starts, since afl-fuzz ends its targets with SIGKILL.
/// </summary>
internal static class Scratch
{
    private const string Prefix = "edgeopt-fuzz-";
    private static readonly Lazy<string> Root = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>This process's scratch folder (created on first use).</summary>
    public static string Folder => Root.Value;

    /// <summary>A sub-folder of <see cref="Folder"/>, created if needed.</summary>
    public static string Sub(string name) => Directory.CreateDirectory(Path.Combine(Folder, name)).FullName;

    /// <summary>Writes <paramref name="input"/> to <paramref name="fileName"/> in the sub-folder <paramref name="folder"/> and returns its path.</summary>
    public static string Write(string folder, string fileName, byte[] input)
    {
        var path = Path.Combine(Sub(folder), fileName);
        File.WriteAllBytes(path, input);
        return path;
    }

    private static string Create()
    {
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        RemoveStale(parent);
        var folder = Path.Combine(parent, Prefix + Environment.ProcessId);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(folder);
        return folder;
    }

    private static void RemoveStale(string parent)
    {
        foreach (var folder in Directory.EnumerateDirectories(parent, Prefix + "*"))
        {
            if (!int.TryParse(Path.GetFileName(folder).AsSpan(Prefix.Length), out var pid) || pid == Environment.ProcessId) continue;
            if (!Directory.Exists($"/proc/{pid}")) TryDelete(folder);
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Another process may be removing it too; a leftover costs nothing and goes at the next start.
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours (another user's run): leave it.
        }
    }
}
