using System.IO.Compression;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// Download sizes of a model as reported to the user: what sparsity buys is fewer compressed bytes, not fewer raw ones.
/// Both use deflate at the optimal level, which a web server's compression comes close to.
/// </summary>
internal static class CompressedSizes
{
    /// <summary>Bytes of a zip holding <paramref name="bytes"/> as one entry.</summary>
    public static long Zip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("model.onnx", CompressionLevel.Optimal).Open();
            entry.Write(bytes);
        }
        return buffer.Length;
    }

    /// <summary>Bytes of <paramref name="bytes"/> gzipped (what a server sends for one file with gzip encoding).</summary>
    public static long Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var stream = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) stream.Write(bytes);
        return buffer.Length;
    }
}
