using System.Security.Cryptography;

namespace EdgeOpt.Tests.Progressive;

/// <summary>The cache's one promise: every file in it is verified. Package files are content-addressed (<c>&lt;sha256&gt;.ext</c>), so each must hash to its own name.</summary>
internal static class CacheAssert
{
    public static void HoldsOnlyVerifiedFiles(string cacheFolder)
    {
        if (!Directory.Exists(cacheFolder)) return;
        foreach (var path in Directory.GetFiles(cacheFolder))
        {
            var name = Path.GetFileName(path);
            Assert.False(name.EndsWith(".part", StringComparison.Ordinal), $"a .part file was left in the cache: {name}");
            Assert.Equal(Path.GetFileNameWithoutExtension(name), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        }
    }
}
