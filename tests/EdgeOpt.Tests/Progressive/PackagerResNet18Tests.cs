using System.Security.Cryptography;
using EdgeOpt.Progressive;

namespace EdgeOpt.Tests.Progressive;

/// <summary>ResNet18 (45 MB of weights) packaged at 4 MiB twice, once for the whole class.</summary>
public sealed class ResNet18PackageFixture : IDisposable
{
    public const long ChunkSize = 4 * 1024 * 1024;

    public ResNet18PackageFixture()
    {
        Folder = Path.Combine(Root.Path, "a");
        Second = Path.Combine(Root.Path, "b");
        Manifest = ProgressivePackager.Package(Fixtures.ResNet18, Folder, new ProgressiveOptions { ChunkSize = ChunkSize });
        ProgressivePackager.Package(Fixtures.ResNet18, Second, new ProgressiveOptions { ChunkSize = ChunkSize });
    }

    internal TempDir Root { get; } = new();
    public string Folder { get; }
    public string Second { get; }
    public ProgressiveManifest Manifest { get; }

    public void Dispose() => Root.Dispose();
}

public sealed class PackagerResNet18Tests(ResNet18PackageFixture package) : IClassFixture<ResNet18PackageFixture>
{
    [Fact]
    public void Ort_loads_the_graph_file_from_the_package_folder_and_outputs_equal_the_original()
    {
        var expected = PackagerModels.Run(Fixtures.ResNet18);
        var actual = PackagerModels.Run(Path.Combine(package.Folder, package.Manifest.Graph.File));

        Assert.Equal(0.0, PackagerModels.MaxAbsDifference(expected, actual));
        Assert.True(package.Manifest.Graph.Size < 64 * 1024, $"graph file is {package.Manifest.Graph.Size} bytes; weights should be in chunks");
    }

    [Fact]
    public void Chunks_stay_within_the_chunk_size_unless_they_hold_one_oversized_tensor()
    {
        var m = package.Manifest;
        Assert.True(m.Chunks.Count >= 10, $"expected ResNet18's ~45 MB in many 4 MiB chunks, got {m.Chunks.Count}");
        foreach (var c in m.Chunks)
            Assert.True(c.Size <= ResNet18PackageFixture.ChunkSize || c.Tensors.Count == 1, $"chunk {c.File} is {c.Size} bytes with {c.Tensors.Count} tensors");
        Assert.Contains(m.Chunks, c => c.Size > ResNet18PackageFixture.ChunkSize); // the 2.25 MiB+ conv weights of the last stage
        Assert.Equal(m.Graph.Size + m.Chunks.Sum(c => c.Size), m.TotalBytes);
        Assert.Equal(m.Chunks.Select(c => c.Priority).Order(), m.Chunks.Select(c => c.Priority));
        Assert.All(m.Chunks, c => Assert.Equal([m.Graph.File], c.Dependencies));
    }

    [Fact]
    public void Every_file_name_sha256_and_sri_matches_the_bytes_and_manifest_is_written()
    {
        var m = ProgressiveManifest.Load(package.Folder, verify: true);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Fixtures.ResNet18))), m.ModelSha256);
        foreach (var (file, sha, sri) in m.Chunks.Select(c => (c.File, c.Sha256, c.Integrity)).Prepend((m.Graph.File, m.Graph.Sha256, m.Graph.Integrity)))
        {
            var hash = SHA256.HashData(File.ReadAllBytes(Path.Combine(package.Folder, file)));
            Assert.Equal(Convert.ToHexStringLower(hash), sha);
            Assert.Equal(sha + Path.GetExtension(file), file);
            Assert.Equal("sha256-" + Convert.ToBase64String(hash), sri);
        }
        foreach (var c in m.Chunks)
        {
            var bytes = File.ReadAllBytes(Path.Combine(package.Folder, c.File));
            foreach (var t in c.Tensors)
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan((int)t.Offset, (int)t.Length))), t.Sha256);
        }
        Assert.Equal(m.Chunks.Count + 2, Directory.GetFiles(package.Folder).Length);
    }

    [Fact]
    public void Packaging_twice_gives_byte_identical_folders_and_an_empty_diff()
    {
        var a = PackagerModels.Snapshot(package.Folder);
        var b = PackagerModels.Snapshot(package.Second);
        Assert.Equal(a.Keys, b.Keys);
        foreach (var key in a.Keys) Assert.True(a[key].AsSpan().SequenceEqual(b[key]), $"{key} differs between two runs");

        var diff = PackageDiff.Compare(package.Folder, package.Second);
        Assert.Empty(diff.FilesToFetch);
        Assert.Equal(0, diff.BytesToFetch);
        Assert.Empty(diff.ChangedTensors);
        Assert.Equal(package.Manifest.Chunks.Sum(c => c.Tensors.Count), diff.UnchangedTensors);
    }
}
