using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeOpt.Targets.Linux;

/// <summary>
/// Keeps the runner cache (<see cref="RunnerPublisher.DefaultCacheRoot"/>) from growing with every EdgeOpt or ONNX
/// Runtime version: each published runner is ~40 MB. After a publish, a RID keeps the runner just published and the most
/// recently used other one (a user switching between two EdgeOpt versions does not republish each time); older runners of
/// that RID go, each only while holding its lock, so one being published or replaced is left alone. Publish folders
/// left by a process that died are removed once an hour old. Only folders named the way the publisher names them are
/// touched: nothing else in the folder is EdgeOpt's to delete.
/// </summary>
internal static partial class RunnerCache
{
    /// <summary>Runners kept per RID after a publish, the new one included.</summary>
    public const int KeptPerRid = 2;

    /// <summary>A leftover publish folder younger than this may still be in use (a process id can be reused).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    /// <summary>Marks a cached runner as used now, so pruning keeps the runners in use.</summary>
    public static void Touch(string folder)
    {
        try
        {
            Directory.SetLastWriteTimeUtc(folder, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache still serves; it is just never pruned by this user.
        }
    }

    /// <summary>Removes what <see cref="KeptPerRid"/> and <see cref="StaleAfter"/> say can go; returns the folders removed.</summary>
    public static IReadOnlyList<string> Prune(string cacheRoot, string rid, string keptKey)
    {
        var removed = new List<string>();
        if (!Directory.Exists(cacheRoot)) return removed;
        var entries = new DirectoryInfo(cacheRoot).EnumerateDirectories().ToList();

        var older = entries
            .Where(d => d.Name != keptKey && EntryName().Match(d.Name) is { Success: true } m && m.Groups["rid"].Value == rid)
            .OrderByDescending(d => d.LastWriteTimeUtc)
            .Skip(KeptPerRid - 1);
        foreach (var entry in older)
            if (TryRemoveLocked(entry, Path.Combine(cacheRoot, entry.Name + ".lock"))) removed.Add(entry.FullName);

        foreach (var temp in entries)
        {
            if (TempName().Match(temp.Name) is not { Success: true } m) continue;
            var pid = int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture);
            if (DateTime.UtcNow - temp.LastWriteTimeUtc < StaleAfter || TempPaths.IsAlive(pid)) continue;
            if (TryRemove(temp)) removed.Add(temp.FullName);
        }
        return removed;
    }

    private static bool TryRemoveLocked(DirectoryInfo entry, string lockPath)
    {
        FileStream held;
        try
        {
            held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // another packager is publishing or replacing it right now
        }
        using (held)
        {
            if (!TryRemove(entry)) return false;
        }
        try
        {
            File.Delete(lockPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An empty lock file left behind costs nothing.
        }
        return true;
    }

    private static bool TryRemove(DirectoryInfo folder)
    {
        try
        {
            folder.Delete(recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // RunnerPublisher's names: RID-ortVERSION-HASH16 for runners, .KEY.tmp-PID-GUID for publishes in progress.
    [GeneratedRegex(@"^(?<rid>[a-z0-9]+-[a-z0-9]+)-ort[0-9A-Za-z.\-]+-[0-9a-f]{16}$")]
    private static partial Regex EntryName();

    [GeneratedRegex(@"^\.[a-z0-9]+-[a-z0-9]+-ort[0-9A-Za-z.\-]+-[0-9a-f]{16}\.tmp-(?<pid>[0-9]{1,9})-[0-9a-f]{32}$")]
    private static partial Regex TempName();
}
