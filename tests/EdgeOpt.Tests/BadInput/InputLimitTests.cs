using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Progressive;
using EdgeOpt.Quantization;
using static EdgeOpt.Tests.BadInput.ProtoEncoder;

namespace EdgeOpt.Tests.BadInput;

/// <summary>
/// Each <see cref="InputLimits"/> ceiling: an input just past it is refused before the allocation it would drive, in one
/// line naming the file and the limit, and the input is left as it was.
/// </summary>
public sealed class InputLimitTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_tensor_with_more_elements_than_the_limit_is_refused_by_load_and_by_the_cli()
    {
        // 2^33 floats declared, no payload: the dims alone are the problem.
        var path = WriteModel("huge.onnx", [OnnxMessages.Tensor("w", DataType.Float, [1L << 17, 1L << 16], [])]);
        AssertRefused(path, "InputLimits.MaxTensorElements", "tensor 'w'", "8589934592 elements");

        var before = FolderSnapshot.Take(_dir.Path);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliApp.Run(["inspect", path], stdout, stderr);
        Assert.Equal(ExitCodes.Usage, code);
        var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("InputLimits.MaxTensorElements", line, StringComparison.Ordinal);
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    [Fact]
    public void More_tensors_than_the_limit_are_refused()
    {
        // One scalar float per initializer (10 bytes each): the count, not the size, is the problem.
        var one = Bytes(5, Concat(Int(2, (long)DataType.Float), Bytes(9, new byte[4])));
        var graph = new byte[one.Length * (InputLimits.MaxTensorCount + 1)];
        for (var i = 0; i <= InputLimits.MaxTensorCount; i++) one.CopyTo(graph, i * one.Length);
        var path = _dir.File("many.onnx");
        File.WriteAllBytes(path, OnnxMessages.Model(graph));
        AssertRefused(path, "InputLimits.MaxTensorCount", "more than 1000000 tensors");
    }

    [Fact]
    public void A_string_tensor_with_more_strings_than_the_limit_is_refused()
    {
        // Empty strings cost two bytes each in the file but an array each in memory.
        var strings = new byte[2 * (InputLimits.MaxStringTensorElements + 1)];
        for (var i = 0; i < strings.Length; i += 2) strings[i] = 6 << 3 | 2;
        var tensor = Concat(Int(1, InputLimits.MaxStringTensorElements + 1), Int(2, (long)DataType.String), strings, String(8, "words"));
        AssertRefused(WriteModel("strings.onnx", [tensor]), "InputLimits.MaxStringTensorElements", "string tensor");
    }

    [Fact]
    public void A_string_tensor_with_more_bytes_than_the_limit_is_refused()
    {
        var tensor = Concat(Int(1, 1), Int(2, (long)DataType.String), Bytes(6, new byte[InputLimits.MaxStringTensorBytes + 1]), String(8, "text"));
        AssertRefused(WriteModel("text.onnx", [tensor]), "InputLimits.MaxStringTensorBytes", "string tensor");
    }

    [Fact]
    public void External_data_adding_up_past_the_limit_is_refused()
    {
        // 33 tensors over one sparse 2 GiB file (no disk used): each is valid, their sum is past 64 GiB.
        const long size = int.MaxValue;
        using (var data = File.Create(_dir.File("w.bin"))) data.SetLength(size);
        var tensors = Enumerable.Range(0, 33).Select(i => OnnxMessages.ExternalTensor($"w{i}", DataType.UInt8, [size], ("location", "w.bin"), ("length", $"{size}"))).ToArray();
        AssertRefused(WriteModel("external.onnx", tensors), "InputLimits.MaxExternalDataBytes", "tensor 'w32'");
    }

    [Fact]
    public void A_generated_input_past_the_limit_is_refused_before_allocating()
    {
        var graph = OnnxMessages.Graph("big_input", [OnnxMessages.Node("Identity", ["x"], ["y"], "id")],
            inputs: [OnnxMessages.TensorValue("x", DataType.Float, 1L << 15, 1L << 15)], outputs: [OnnxMessages.TensorValue("y", DataType.Float, 1L << 15, 1L << 15)]);
        var path = _dir.File("input.onnx");
        File.WriteAllBytes(path, OnnxMessages.Model(graph));
        using var model = Model.Load(path);
        var e = Assert.Throws<UsageException>(() => InputGenerator.Random(model, seed: 0));
        Assert.Contains("InputLimits.MaxGeneratedInputElements", e.Message, StringComparison.Ordinal);
        Assert.Contains("input 'x'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_manifest_nested_past_the_json_depth_limit_is_refused()
    {
        var folder = Directory.CreateDirectory(_dir.File("package")).FullName;
        File.WriteAllText(Path.Combine(folder, "manifest.json"), "{\"chunks\":" + new string('[', 200) + new string(']', 200) + "}");
        var before = FolderSnapshot.Take(_dir.Path);
        var e = Assert.Throws<ModelFormatException>(() => ProgressiveManifest.Load(folder));
        AssertOneLineNaming(e.Message, "InputLimits.MaxJsonDepth", "manifest.json");
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    [Fact]
    public void A_device_file_nested_past_the_json_depth_limit_is_refused()
    {
        var path = _dir.File("device.json");
        File.WriteAllText(path, "{\"name\":" + new string('[', 100) + new string(']', 100) + "}");
        var e = Assert.ThrowsAny<EdgeOptException>(() => CustomDevice.Load(path));
        AssertOneLineNaming(e.Message, "InputLimits.MaxJsonDepth", "device.json");
    }

    [Fact]
    public void A_quantization_plan_past_the_json_size_limit_is_refused_before_reading()
    {
        var path = _dir.File("plan.json");
        using (var plan = File.Create(path)) plan.SetLength(InputLimits.MaxJsonBytes + 1);
        var before = FolderSnapshot.Take(_dir.Path);
        var e = Assert.Throws<ModelFormatException>(() => QuantizationPlan.Load(path));
        AssertOneLineNaming(e.Message, "InputLimits.MaxJsonBytes", "plan.json");
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    [Fact]
    public async Task A_manifest_whose_files_add_up_past_the_limit_is_refused_before_any_download()
    {
        // 33 files of 2 GiB each: every one is a valid size, their sum is past 64 GiB; nothing of them exists.
        var hash = new string('a', 64);
        var manifest = new ProgressiveManifest
        {
            ModelName = "huge",
            ModelSha256 = hash,
            Graph = new ChunkFile("graph.onnx", Array.MaxLength, hash, "sha256-x"),
            TotalBytes = 0,
            ChunkSize = Array.MaxLength,
            Chunks = [.. Enumerable.Range(0, 32).Select(i => new ManifestChunk
            {
                File = $"chunk{i}.bin", Size = Array.MaxLength, Sha256 = hash, Integrity = "sha256-x", Priority = i, Tensors = [],
            })],
        };
        var folder = Directory.CreateDirectory(_dir.File("remote")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "manifest.json"), manifest.ToJsonBytes());
        using var loader = new ProgressiveLoader(new Uri(folder));

        var e = await Assert.ThrowsAsync<ModelFormatException>(() => loader.LoadManifestAsync());
        AssertOneLineNaming(e.Message, "InputLimits.MaxExternalDataBytes", "chunk31.bin");
    }

    private string WriteModel(string name, byte[][] initializers)
    {
        var graph = OnnxMessages.Graph("limits", [OnnxMessages.Node("Identity", ["x"], ["y"], "id")], initializers,
            inputs: [OnnxMessages.TensorValue("x", DataType.Float, 1)], outputs: [OnnxMessages.TensorValue("y", DataType.Float, 1)]);
        var path = _dir.File(name);
        File.WriteAllBytes(path, OnnxMessages.Model(graph));
        return path;
    }

    private void AssertRefused(string path, params string[] words)
    {
        var before = FolderSnapshot.Take(_dir.Path);
        var e = Assert.Throws<ModelFormatException>(() => Model.Load(path).Dispose());
        AssertOneLineNaming(e.Message, [Path.GetFileName(path), .. words]);
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    private static void AssertOneLineNaming(string message, params string[] words)
    {
        Assert.DoesNotContain('\n', message);
        foreach (var word in words) Assert.Contains(word, message, StringComparison.Ordinal);
    }
}
