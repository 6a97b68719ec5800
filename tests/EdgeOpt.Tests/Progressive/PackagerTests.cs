using System.Text.Json.Nodes;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Progressive;

namespace EdgeOpt.Tests.Progressive;

/// <summary>Packaging small models: loadability, inline small tensors, delta updates, atomic refusal of bad input, manifest validation.</summary>
public sealed class PackagerTests : IDisposable
{
    private const long ChunkSize = 40 * 1024; // two 16 KiB weights (+ biases) per chunk

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Package(string model, string name = "pkg", ProgressiveOptions? options = null)
    {
        var folder = _dir.File(name);
        ProgressivePackager.Package(model, folder, options ?? new ProgressiveOptions { ChunkSize = ChunkSize });
        return folder;
    }

    [Fact]
    public void Small_model_package_runs_in_ort_with_identical_outputs_and_keeps_tiny_tensors_inline()
    {
        var model = PackagerModels.Mlp(_dir.Path, layers: 4);
        var folder = Package(model);
        var m = ProgressiveManifest.Load(folder, verify: true);

        Assert.Equal(0.0, PackagerModels.MaxAbsDifference(PackagerModels.Run(model), PackagerModels.Run(Path.Combine(folder, m.Graph.File))));
        Assert.Equal(["w0", "w1", "w2", "w3"], m.Chunks.SelectMany(c => c.Tensors).Select(t => t.Name)); // 256-byte biases stay inline
        Assert.Equal(2, m.Chunks.Count);
        Assert.Equal([0, 6], m.Chunks.Select(c => c.Priority)); // MatMul, Add, Relu per layer: w0 first used by node 0, w2 by node 6
    }

    [Fact]
    public void Model_without_large_initializers_gives_zero_chunks_and_still_loads()
    {
        var model = PackagerModels.Mlp(_dir.Path, layers: 2, width: 8); // 256-byte weights: all below 1 KiB
        var folder = Package(model);
        var m = ProgressiveManifest.Load(folder, verify: true);

        Assert.Empty(m.Chunks);
        Assert.Equal(m.Graph.Size, m.TotalBytes);
        Assert.Equal(0.0, PackagerModels.MaxAbsDifference(PackagerModels.Run(model), PackagerModels.Run(Path.Combine(folder, m.Graph.File))));
    }

    [Fact]
    public void Demo_model_update_of_one_layer_fetches_only_that_layers_chunk_and_the_graph()
    {
        var oldPath = _dir.File("demo-old.onnx");
        File.WriteAllBytes(oldPath, DemoAssets.ModelBytes());
        string changed;
        var newPath = _dir.File("demo-new.onnx");
        using (var model = Model.Load(oldPath))
        {
            var weight = model.Graph.Initializers.Select(v => v.Initializer!).Where(t => t is { DataType: DataType.Float } && t.ByteLength >= 1024)
                .OrderBy(t => t.ByteLength).First();
            changed = weight.Name;
            var values = weight.ToSingleArray().Select(v => v * 1.01f + 0.001f).ToArray();
            weight.SetData(TensorData.FromMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
            model.Save(newPath);
        }
        var options = new ProgressiveOptions { ChunkSize = 16 * 1024 };
        var before = Package(oldPath, "old", options);
        var after = Package(newPath, "new", options);

        var diff = PackageDiff.Compare(before, after);
        var m = ProgressiveManifest.Load(after);
        var holding = m.Chunks.Where(c => c.Tensors.Any(t => t.Name == changed)).Select(c => c.File).ToList();

        Assert.Equal([changed], diff.ChangedTensors);
        Assert.True(m.Chunks.Count >= 3, $"demo model should span several 16 KiB chunks, got {m.Chunks.Count}");
        Assert.Equal(holding, diff.FilesToFetch.Where(f => f != m.Graph.File));
        Assert.True(diff.BytesToFetch < m.TotalBytes / 2, $"delta fetches {diff.BytesToFetch} of {m.TotalBytes} bytes");
        Assert.Equal(m.Chunks.Sum(c => c.Tensors.Count) - 1, diff.UnchangedTensors);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    [InlineData(4095L)]
    [InlineData(3L * 1024 * 1024 * 1024)]
    public void Absurd_chunk_sizes_are_refused_and_nothing_is_written(long chunkSize)
    {
        var model = PackagerModels.Mlp(_dir.Path);
        var e = Assert.Throws<InvalidOptionsException>(() => ProgressivePackager.Package(model, _dir.File("pkg"), new ProgressiveOptions { ChunkSize = chunkSize }));
        Assert.Contains($"ChunkSize {chunkSize} bytes is out of range", e.Message, StringComparison.Ordinal);
        Assert.Equal([model], Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void Output_folder_that_is_the_models_folder_is_refused()
    {
        var model = PackagerModels.Mlp(_dir.Path);
        var before = PackagerModels.Snapshot(_dir.Path);
        var e = Assert.Throws<UsageException>(() => ProgressivePackager.Package(model, _dir.Path + "/", new ProgressiveOptions()));
        Assert.Contains("model's own folder", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, PackagerModels.Snapshot(_dir.Path));
    }

    [Fact]
    public void Non_empty_output_is_refused_without_force_and_replaced_with_it()
    {
        var model = PackagerModels.Mlp(_dir.Path);
        var folder = _dir.File("pkg");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "keep.txt"), "user data");

        // Files EdgeOpt did not write are never replaced, --force or not.
        foreach (var force in new[] { false, true })
        {
            var e = Assert.Throws<UsageException>(() => ProgressivePackager.Package(model, folder, new ProgressiveOptions { ChunkSize = ChunkSize, Force = force }));
            Assert.Contains("holds files EdgeOpt did not write ('keep.txt'", e.Message, StringComparison.Ordinal);
            Assert.Equal(["keep.txt"], Directory.GetFiles(folder).Select(Path.GetFileName));
        }

        // An earlier package is replaced only with Force.
        File.Delete(Path.Combine(folder, "keep.txt"));
        ProgressivePackager.Package(model, folder, new ProgressiveOptions { ChunkSize = ChunkSize * 2 });
        var refused = Assert.Throws<UsageException>(() => ProgressivePackager.Package(model, folder, new ProgressiveOptions { ChunkSize = ChunkSize }));
        Assert.Contains("holds an earlier package; use --force", refused.Message, StringComparison.Ordinal);
        var m = ProgressivePackager.Package(model, folder, new ProgressiveOptions { ChunkSize = ChunkSize, Force = true });
        Assert.Equal(ChunkSize, ProgressiveManifest.Load(folder).ChunkSize);
        Assert.Equal(m.Chunks.Count + 2, Directory.GetFiles(folder).Length);
        Assert.Equal([model, folder], Directory.GetFileSystemEntries(_dir.Path).Order()); // no temporary or backup folder left
    }

    [Fact]
    public void A_model_that_fails_to_load_leaves_nothing_behind()
    {
        var bad = _dir.File("bad.onnx");
        File.WriteAllBytes(bad, [0x08, 0x07, 0x12, 0xFF, 0xFF]);
        Assert.ThrowsAny<EdgeOptException>(() => ProgressivePackager.Package(bad, _dir.File("pkg"), new ProgressiveOptions()));
        Assert.Equal([bad], Directory.GetFileSystemEntries(_dir.Path));
    }

    [Theory]
    [InlineData("../escape.bin")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/chunk.bin")]
    [InlineData("..")]
    public void Manifest_referencing_a_file_outside_its_folder_is_refused(string file)
    {
        var folder = Package(PackagerModels.Mlp(_dir.Path));
        var json = EditManifest(folder, root => root["chunks"]![0]!["file"] = file);

        var e = Assert.Throws<ModelFormatException>(() => ProgressiveManifest.Load(folder));
        Assert.Contains($"manifest references '{file}' outside its folder", e.Message, StringComparison.Ordinal);
        Assert.Contains(file, json, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_chunk_is_named_when_verifying_and_a_truncated_one_always()
    {
        var folder = Package(PackagerModels.Mlp(_dir.Path));
        var m = ProgressiveManifest.Load(folder);
        var corrupt = Path.Combine(folder, m.Chunks[1].File);
        var bytes = File.ReadAllBytes(corrupt);
        bytes[100] ^= 0xFF;
        File.WriteAllBytes(corrupt, bytes);

        ProgressiveManifest.Load(folder); // same size: only hashing can tell
        var e = Assert.Throws<ModelFormatException>(() => ProgressiveManifest.Load(folder, verify: true));
        Assert.Contains($"chunk '{m.Chunks[1].File}' does not match its SHA-256", e.Message, StringComparison.Ordinal);

        File.WriteAllBytes(corrupt, bytes[..^10]);
        e = Assert.Throws<ModelFormatException>(() => ProgressiveManifest.Load(folder));
        Assert.Contains($"chunk '{m.Chunks[1].File}' is {bytes.Length - 10} bytes; the manifest says {bytes.Length}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_format_version_missing_manifest_and_bad_json_are_refused()
    {
        var folder = Package(PackagerModels.Mlp(_dir.Path));
        EditManifest(folder, root => root["formatVersion"] = 2);
        Assert.Contains("format version 2 is not supported; expected 1",
            Assert.Throws<ModelFormatException>(() => ProgressiveManifest.Load(folder)).Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(folder, ProgressivePackager.ManifestFileName), "{ not json");
        Assert.Contains("not a valid manifest", Assert.Throws<ModelFormatException>(() => ProgressiveManifest.Load(folder)).Message, StringComparison.Ordinal);

        File.Delete(Path.Combine(folder, ProgressivePackager.ManifestFileName));
        Assert.Contains("manifest.json is missing", Assert.Throws<ModelFormatException>(() => ProgressiveManifest.Load(folder)).Message, StringComparison.Ordinal);
    }

    private static string EditManifest(string folder, Action<JsonNode> edit)
    {
        var path = Path.Combine(folder, ProgressivePackager.ManifestFileName);
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        edit(root);
        var json = root.ToJsonString();
        File.WriteAllText(path, json);
        return json;
    }
}
