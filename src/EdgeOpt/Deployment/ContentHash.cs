using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeOpt.Devices;
using PackageHash = EdgeOpt.Progressive.Packaging.ContentHash;

namespace EdgeOpt.Deployment;

/// <summary>
/// The content hashes a <see cref="CandidateSpec"/> is keyed by (lower-case hex SHA-256). Files are streamed, never
/// loaded whole, so a multi-gigabyte model or data folder costs one read; a single file is hashed by the progressive
/// packager's file hash (the same SHA-256 its manifests record).
/// </summary>
public static class ContentHash
{
    /// <summary>SHA-256 of a file's bytes.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static string OfFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist", path);
        return PackageHash.Hex(PackageHash.OfFile(path));
    }

    /// <summary>
    /// SHA-256 of data: a file's bytes, or for a folder every file below it (hidden ones too) in ordinal order of its
    /// relative path ('/'-separated), each as its path, a NUL, its length and its bytes, so renaming or moving a file
    /// inside the folder changes the hash. <c>random</c> / <c>random:N</c> hash as their text.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>.</exception>
    public static string OfData(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == "random" || path.StartsWith("random:", StringComparison.Ordinal))
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)));
        if (!Directory.Exists(path)) return OfFile(path);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => (Full: f, Relative: Path.GetRelativePath(path, f).Replace('\\', '/')))
            .OrderBy(f => f.Relative, StringComparer.Ordinal);
        var buffer = new byte[1 << 16];
        foreach (var (full, relative) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(relative));
            hash.AppendData([0]);
            using var stream = OpenRead(full);
            hash.AppendData(BitConverter.GetBytes(stream.Length));
            int read;
            while ((read = stream.Read(buffer)) > 0) hash.AppendData(buffer.AsSpan(0, read));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// SHA-256 of a device as resolved: the catalogue entry's JSON (every figure and source), and for a custom device
    /// its completed record plus what was borrowed from where, so editing the device.json or the catalogue entry it
    /// borrows from both give a new hash.
    /// </summary>
    public static string OfDevice(ResolvedDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var json = JsonSerializer.Serialize(new DeviceCatalogDocument([device.Device]), DeviceCatalogJsonContext.Default.DeviceCatalogDocument);
        var text = device.BorrowedFrom is null ? json : $"{json}\nborrowed from {device.BorrowedFrom}: {string.Join(",", device.Borrowed)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary><see cref="OfDevice(ResolvedDevice)"/> of a catalogue name or device.json path (<see cref="ResolvedDevice.Resolve"/>).</summary>
    /// <exception cref="UsageException">Unknown device or unreadable file.</exception>
    /// <exception cref="DataFormatException">A malformed device file.</exception>
    public static string OfDevice(string nameOrPath) => OfDevice(ResolvedDevice.Resolve(nameOrPath));

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
    }
}
