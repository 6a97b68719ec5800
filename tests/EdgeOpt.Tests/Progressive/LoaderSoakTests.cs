using System.Diagnostics;
using EdgeOpt.Progressive;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Progressive;

/// <summary>
/// 1,000 loads against a server that misbehaves at random (every <see cref="Fault"/>, on the manifest, graph and chunks,
/// passing or lasting): each ends with the original model or one error naming a file, the cache holds only verified
/// files after every load, and memory and descriptors end where they started.
/// </summary>
[Collection(Collection)]
public class LoaderSoakTests(ITestOutputHelper output)
{
    // Alone: memory and descriptors are per process, and other test classes would move them.
    public const string Collection = "loader soak";

    private const int Loads = 1000;
    private const int WarmUp = 20;
    private const int MaxRetries = 2;

    [Fact]
    public async Task A_thousand_loads_with_random_faults_end_verified_or_with_a_clear_error_and_leak_nothing()
    {
        using var dir = new TempDir();
        using var model = LoaderTestPackages.Mlp();
        var (_, folder, manifest) = LoaderTestPackages.Package(model, dir);
        byte[] expected;
        using (var reference = new ProgressiveLoader(new Uri(folder)))
        using (var loaded = await reference.LoadAsync())
            expected = loaded.Model.ToBytes();
        using var server = new LoaderTestServer(folder) { StallFor = TimeSpan.FromMilliseconds(500), RetryAfterSeconds = 1 };
        string[] files = ["manifest.json", manifest.Graph.File, .. manifest.Chunks.Select(c => c.File)];
        var faults = Enum.GetValues<Fault>();
        var cache = dir.File("cache");
        var options = new LoaderOptions
        {
            CacheFolder = cache,
            MaxRetries = MaxRetries,
            RetryDelay = TimeSpan.Zero,
            MaxRetryWait = TimeSpan.Zero, // Retry-After is parsed, then capped to nothing: the soak stays quick
            StallTimeout = TimeSpan.FromMilliseconds(100),
        };
        var rng = new Random(18);
        int verified = 0, failed = 0, planned = 0;
        var errors = new Dictionary<string, int>();
        (long Heap, long WorkingSet, int Fds) start = default;

        for (var i = 0; i < Loads + WarmUp; i++)
        {
            if (i == WarmUp) start = Measure();
            server.Heal();
            // Half the loads start cold; the rest resume from whatever the last one left.
            if (rng.Next(2) == 0 && Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
            foreach (var file in files)
            {
                if (rng.NextDouble() >= 0.25) continue;
                // Mostly passing faults (1 or 2 times, within the retries), sometimes lasting ones.
                server.Spoil(file, faults[rng.Next(faults.Length)], rng.Next(1, MaxRetries + 3));
                planned++;
            }
            using var loader = new ProgressiveLoader(server.BaseUri, options);
            try
            {
                using var loaded = await loader.LoadAsync();
                Assert.Equal(expected, loaded.Model.ToBytes());
                verified++;
            }
            catch (EdgeOptException e)
            {
                Assert.True(e.Message.Contains("manifest", StringComparison.Ordinal) || files.Any(f => e.Message.Contains(f, StringComparison.Ordinal)),
                    $"load {i}: the error names no file: {e.Message}");
                Assert.DoesNotContain('\n', e.Message);
                var kind = $"{e.GetType().Name}: {Reason(e.Message)}";
                errors[kind] = errors.GetValueOrDefault(kind) + 1;
                failed++;
            }
            CacheAssert.HoldsOnlyVerifiedFiles(cache);
        }

        // Abandoned stalls finish on the server side within StallFor; wait for them so their sockets are not counted.
        for (var wait = 0; server.InFlight > 0 && wait < 100; wait++) await Task.Delay(50);
        var end = Measure();
        output.WriteLine($"loads {Loads + WarmUp} (first {WarmUp} warm-up): verified {verified}, failed {failed}; faults planned {planned}, served {server.FaultsServed.Values.Sum()}");
        foreach (var (fault, count) in server.FaultsServed.OrderBy(kv => kv.Key)) output.WriteLine($"  served {fault}: {count}");
        foreach (var (kind, count) in errors.OrderByDescending(kv => kv.Value)) output.WriteLine($"  error {count}x {kind}");
        output.WriteLine($"managed heap {start.Heap / 1024} KiB -> {end.Heap / 1024} KiB; working set {start.WorkingSet >> 20} MiB -> {end.WorkingSet >> 20} MiB; fds {start.Fds} -> {end.Fds}");

        Assert.Equal(Loads + WarmUp, verified + failed);
        Assert.True(verified > failed, $"most loads should recover: {verified} verified, {failed} failed");
        Assert.True(failed > 0, "some faults should outlast the retries");
        Assert.Equal(faults.Length, server.FaultsServed.Count);
        // Generous bounds: a leak of one buffer, response or socket per load (1,000 loads) would exceed them.
        Assert.True(end.Heap < start.Heap + 32L * 1024 * 1024, $"managed heap grew from {start.Heap} to {end.Heap} bytes");
        Assert.True(end.WorkingSet < start.WorkingSet + 256L * 1024 * 1024, $"working set grew from {start.WorkingSet} to {end.WorkingSet} bytes");
        if (start.Fds > 0) Assert.True(end.Fds < start.Fds + 64, $"open descriptors went from {start.Fds} to {end.Fds}");
    }

    private static (long Heap, long WorkingSet, int Fds) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        var fds = Directory.Exists("/proc/self/fd") ? Directory.GetFileSystemEntries("/proc/self/fd").Length : 0;
        return (GC.GetTotalMemory(forceFullCollection: true), self.WorkingSet64, fds);
    }

    /// <summary>The error without its file names, URLs and hashes, so errors of one kind group together.</summary>
    private static string Reason(string message)
    {
        var words = message.Split(' ').Where(w => !w.Contains("http://", StringComparison.Ordinal) && !w.Any(char.IsDigit));
        return string.Join(' ', words);
    }
}

[CollectionDefinition(LoaderSoakTests.Collection, DisableParallelization = true)]
public sealed class LoaderSoakCollection;
