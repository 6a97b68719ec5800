using System.Security.Cryptography;

namespace EdgeOpt.Progressive.Packaging;

/// <summary>SHA-256 in the two spellings a package uses: lower-case hex (file names) and SRI (<c>sha256-&lt;base64&gt;</c>).</summary>
internal static class ContentHash
{
    public static byte[] Of(ReadOnlySpan<byte> bytes) => SHA256.HashData(bytes);

    public static string Hex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);

    public static string Integrity(ReadOnlySpan<byte> hash) => "sha256-" + Convert.ToBase64String(hash);

    public static byte[] OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return SHA256.HashData(stream);
    }
}
