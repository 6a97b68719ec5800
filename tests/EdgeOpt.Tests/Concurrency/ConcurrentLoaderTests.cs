using System.Security.Cryptography;
using EdgeOpt.Progressive;
using EdgeOpt.Tests.Safety;

namespace EdgeOpt.Tests.Concurrency;

/// <summary>
/// Two loader processes (tests/EdgeOpt.CacheProbe) filling one cache folder at the same moment: both load, and the cache
/// ends with exactly the package's files, each verifying, no <c>.part</c> left (each download has a part of its own).
/// </summary>
public sealed class ConcurrentLoaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Two_loaders_sharing_a_cache_folder_both_load_and_leave_it_verified()
    {
        var package = _dir.File("package");
        var (code, _, err) = ConcurrentWriterTests.RunTogether(["progressive", Fixtures.ResNet18, "-o", package, "--chunk-size", "256KiB"])[0];
        Assert.True(code == 0, err);
        var manifest = ProgressiveManifest.Load(package);
        var expected = manifest.Chunks.Select(c => (c.File, c.Sha256)).Append((manifest.Graph.File, manifest.Graph.Sha256)).ToDictionary(f => f.File, f => f.Sha256, StringComparer.Ordinal);
        var cache = _dir.File("cache");

        for (var round = 0; round < 4; round++)
        {
            // Round 0 starts empty; later rounds start from a cache with some files missing and one damaged, so both
            // processes evict and download the same files at once.
            if (round > 0)
            {
                var files = Directory.GetFiles(cache).Order(StringComparer.Ordinal).ToList();
                for (var i = 0; i < files.Count; i += 3) File.Delete(files[i]);
                File.WriteAllBytes(files[1], [1, 2, 3]);
            }
            var probes = new[] { 0, 1 }.Select(_ => CliProcess.StartProgram("EdgeOpt.CacheProbe.dll", [], package, cache)).ToList();
            var results = probes.Select(p => p.WaitForExit()).ToList();
            foreach (var p in probes) p.Dispose();

            foreach (var r in results) Assert.True(r.Code == 0, $"round {round}: {r.Err}");
            var cached = Directory.GetFiles(cache).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);
            Assert.Equal(expected.OrderBy(f => f.Key, StringComparer.Ordinal), cached.OrderBy(f => f.Key, StringComparer.Ordinal));
        }
    }
}
