using System.Buffers;
using System.Security.Cryptography;

namespace EdgeOpt.Progressive.Packaging;

/// <summary>SHA-256 in the two spellings a package uses: lower-case hex (file names) and SRI (<c>sha256-&lt;base64&gt;</c>).</summary>
internal static class ContentHash
{
    public static byte[] Of(ReadOnlySpan<byte> bytes) => SHA256.HashData(bytes);

    public static string Hex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);

    public static string Integrity(ReadOnlySpan<byte> hash) => "sha256-" + Convert.ToBase64String(hash);

    /// <summary>Hashes a file with large positional reads into one pooled buffer (no FileStream buffering or copying).</summary>
    public static byte[] OfFile(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long position = 0;
            int read;
            while ((read = RandomAccess.Read(handle, buffer, position)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                position += read;
            }
            return hash.GetHashAndReset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
