using EdgeOpt.Targets.Linux;

namespace EdgeOpt.Tests.Targets;

/// <summary>The runner cache keeps the newest runners per RID and removes only what the publisher itself named.</summary>
public sealed class RunnerCacheTests : IDisposable
{
    private const string Hash = "0123456789abcdef";

    private readonly TempDir _cache = new();

    public void Dispose() => _cache.Dispose();

    [Fact]
    public void Older_runners_of_the_RID_go_the_kept_one_and_the_most_recently_used_other_stay()
    {
        var now = DateTime.UtcNow;
        var current = Runner("linux-arm64-ort1.31.1-" + Hash, now);
        var recent = Runner("linux-arm64-ort1.30.0-" + Hash, now.AddDays(-1));
        var old = Runner("linux-arm64-ort1.29.0-" + Hash, now.AddDays(-10));
        var older = Runner("linux-arm64-ort1.28.0-" + Hash, now.AddDays(-20));
        var otherRid = Runner("linux-x64-ort1.20.0-" + Hash, now.AddDays(-30));

        var removed = RunnerCache.Prune(_cache.Path, "linux-arm64", Path.GetFileName(current));

        Assert.Equal([old, older], removed); // least recently used last
        Assert.True(Directory.Exists(current));
        Assert.True(Directory.Exists(recent));
        Assert.True(Directory.Exists(otherRid));
        Assert.False(Directory.Exists(old));
        Assert.False(Directory.Exists(older));
    }

    [Fact]
    public void A_runner_whose_lock_is_held_is_left_alone()
    {
        var now = DateTime.UtcNow;
        var current = Runner("linux-x64-ort1.31.1-" + Hash, now);
        Runner("linux-x64-ort1.30.0-" + Hash, now.AddDays(-1));
        var busy = Runner("linux-x64-ort1.29.0-" + Hash, now.AddDays(-2));
        using (new FileStream(busy + ".lock", FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.Empty(RunnerCache.Prune(_cache.Path, "linux-x64", Path.GetFileName(current)));
        }
        Assert.True(Directory.Exists(busy));
        Assert.Equal([busy], RunnerCache.Prune(_cache.Path, "linux-x64", Path.GetFileName(current)));
        Assert.False(File.Exists(busy + ".lock"));
    }

    [Fact]
    public void Only_stale_publish_folders_of_dead_processes_and_nothing_else_is_removed()
    {
        var hourAgo = DateTime.UtcNow - RunnerCache.StaleAfter - TimeSpan.FromMinutes(5);
        var key = "linux-arm64-ort1.31.1-" + Hash;
        var guid = new string('a', 32);
        // Process ids never exceed 2^22 on Linux (pid_max), so this one is dead.
        var dead = Folder($".{key}.tmp-999999999-{guid}", hourAgo);
        var fresh = Folder($".{key}.tmp-999999998-{guid}", DateTime.UtcNow);
        var alive = Folder($".{key}.tmp-{Environment.ProcessId}-{guid}", hourAgo);
        var mine = Folder("my-notes", hourAgo.AddDays(-100));
        var lookalike = Folder("linux-arm64-ort1.20.0-not-a-hash", hourAgo.AddDays(-100));
        File.WriteAllText(Path.Combine(_cache.Path, "readme.txt"), "kept");

        var removed = RunnerCache.Prune(_cache.Path, "linux-arm64", key);

        Assert.Equal([dead], removed);
        Assert.True(Directory.Exists(fresh));
        Assert.True(Directory.Exists(alive));
        Assert.True(Directory.Exists(mine));
        Assert.True(Directory.Exists(lookalike));
        Assert.Equal("kept", File.ReadAllText(Path.Combine(_cache.Path, "readme.txt")));
    }

    [Fact]
    public void A_cache_that_does_not_exist_prunes_nothing()
    {
        Assert.Empty(RunnerCache.Prune(Path.Combine(_cache.Path, "absent"), "linux-arm64", "x"));
        Assert.False(Directory.Exists(Path.Combine(_cache.Path, "absent")));
    }

    private string Runner(string name, DateTime lastUsed)
    {
        var folder = Folder(name, lastUsed);
        File.WriteAllText(Path.Combine(folder, "edgeopt-runner"), "");
        Directory.SetLastWriteTimeUtc(folder, lastUsed);
        return folder;
    }

    private string Folder(string name, DateTime lastWrite)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_cache.Path, name)).FullName;
        Directory.SetLastWriteTimeUtc(folder, lastWrite);
        return folder;
    }
}
