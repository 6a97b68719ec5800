using System.Security.Cryptography;

namespace EdgeOpt.Tests.BadInput;

/// <summary>
/// Every entry under a folder with a digest of its contents (symlinks by their target, not followed; huge files by size and write time), so a test can
/// prove a failed operation left the input byte-identical and wrote nothing next to it.
/// </summary>
internal sealed record FolderSnapshot(IReadOnlyDictionary<string, string> Entries)
{
    // Files this large (the sparse 2 GiB case) are compared by size and write time instead of by digest.
    private const long LargeFile = 64L << 20;

    public static FolderSnapshot Take(string root)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Walk(new DirectoryInfo(root), root, entries);
        return new FolderSnapshot(entries);
    }

    /// <summary>Asserts nothing was added, removed or changed since <paramref name="before"/>.</summary>
    public void AssertUnchangedSince(FolderSnapshot before)
    {
        Assert.Equal(before.Entries.Keys, Entries.Keys);
        foreach (var (path, digest) in before.Entries) Assert.True(digest == Entries[path], $"'{path}' changed");
    }

    private static void Walk(DirectoryInfo folder, string root, SortedDictionary<string, string> entries)
    {
        foreach (var entry in folder.EnumerateFileSystemInfos())
        {
            var relative = Path.GetRelativePath(root, entry.FullName);
            if (entry.LinkTarget is { } target) entries[relative] = "link -> " + target;
            else if (entry is DirectoryInfo sub)
            {
                entries[relative] = "folder";
                Walk(sub, root, entries);
            }
            else if (entry is FileInfo { Length: > LargeFile } big) entries[relative] = $"{big.Length} bytes, written {big.LastWriteTimeUtc.Ticks}";
            else entries[relative] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry.FullName)));
        }
    }
}
