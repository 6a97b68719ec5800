using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Progressive;
using EdgeOpt.Tests.BadInput;
using EdgeOpt.Tests.Cli;
using EdgeOpt.Tests.Progressive;

namespace EdgeOpt.Tests.Safety;

/// <summary>
/// A model reached through symlinks (the Hugging Face hub cache layout, model and external data both links into blobs/)
/// loads in every command, and what the commands write runs in ONNX Runtime with the original's outputs. External data
/// follows ONNX Runtime's rule since PR #27374: under the folder of the path given, or else under the folder of the
/// model's canonical path; anything escaping both stays refused.
/// </summary>
public sealed class SymlinkedModelTests : IClassFixture<SymlinkedModelTests.Tree>
{
    public sealed class Tree : IDisposable
    {
        public HuggingFaceCacheTree Cache { get; } = new();

        /// <summary>ResNet18's outputs on seeded random input, by ONNX Runtime on the original file.</summary>
        public Dictionary<string, float[]> Expected { get; } = PackagerModels.Run(Fixtures.ResNet18);

        public void Dispose() => Cache.Dispose();
    }

    private readonly HuggingFaceCacheTree _cache;
    private readonly Dictionary<string, float[]> _expected;

    public SymlinkedModelTests(Tree tree)
    {
        _cache = tree.Cache;
        _expected = tree.Expected;
    }

    [Fact]
    public void The_tree_has_the_hub_cache_shape()
    {
        Assert.Equal(Path.Combine("..", "..", "blobs", Path.GetFileName(_cache.ModelBlob)), new FileInfo(_cache.Model).LinkTarget);
        Assert.NotNull(new FileInfo(Path.Combine(_cache.Snapshot, "model.onnx_data")).LinkTarget);
        Assert.True(new FileInfo(_cache.DataBlob).Length > 40_000_000); // the weights really are in external data
    }

    [Fact]
    public void The_library_loads_the_link_with_its_external_data()
    {
        using var model = Model.Load(_cache.Model);
        var external = model.Graph.Initializers.Select(v => v.Initializer?.External).OfType<object>().Count();
        Assert.True(external > 50, $"{external} external tensors");
        Assert.Equal(0, PackagerModels.MaxAbsDifference(_expected, PackagerModels.Run(_cache.Model))); // ORT itself reads the same tree
    }

    [Fact]
    public void Inspect_reads_the_target_not_the_link()
    {
        var (code, stdout, stderr) = CliHarness.Run("inspect", _cache.Model, "--json");
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Contains("\"Conv\"", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Optimize_writes_a_model_with_the_same_outputs()
    {
        var output = Path.Combine(_cache.Scratch, "optimized.onnx");
        var (code, _, stderr) = CliHarness.Run("optimize", _cache.Model, "-o", output);
        Assert.True(code == ExitCodes.Ok, stderr);
        var scale = Math.Max(1, _expected.Values.SelectMany(v => v).Max(Math.Abs));
        Assert.True(PackagerModels.MaxAbsDifference(_expected, PackagerModels.Run(output)) <= 1e-4 * scale); // Conv+BatchNorm fused: float rounding only
    }

    [Fact]
    public void Quantize_to_fp16_writes_a_model_close_to_the_original()
    {
        var output = Path.Combine(_cache.Scratch, "fp16.onnx");
        var (code, _, stderr) = CliHarness.Run("quantize", _cache.Model, "-o", output, "--type", "fp16");
        Assert.True(code == ExitCodes.Ok, stderr);
        var actual = PackagerModels.Run(output);
        var scale = _expected.Values.SelectMany(v => v).Max(Math.Abs);
        Assert.True(PackagerModels.MaxAbsDifference(_expected, actual) <= 0.02 * scale, $"max abs {PackagerModels.MaxAbsDifference(_expected, actual)} vs scale {scale}");
        Assert.True(new FileInfo(output).Length < 0.55 * new FileInfo(_cache.DataBlob).Length);
    }

    [Fact]
    public void Progressive_packages_it_and_the_package_runs_the_same()
    {
        var output = Path.Combine(_cache.Scratch, "package");
        var (code, _, stderr) = CliHarness.Run("progressive", _cache.Model, "-o", output, "--chunk-size", "4MB");
        Assert.True(code == ExitCodes.Ok, stderr);
        var manifest = ProgressiveManifest.Load(output, verify: true);
        Assert.Equal(0, PackagerModels.MaxAbsDifference(_expected, PackagerModels.Run(Path.Combine(output, manifest.Graph.File))));
    }

    [Fact]
    public void Convert_brings_the_weights_back_inline()
    {
        var output = Path.Combine(_cache.Scratch, "inline.onnx");
        var (code, _, stderr) = CliHarness.Run("convert", _cache.Model, "-o", output);
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal(0, PackagerModels.MaxAbsDifference(_expected, PackagerModels.Run(output)));
    }

    [Fact]
    public void Benchmark_runs_it_and_counts_the_targets_bytes()
    {
        var (code, stdout, stderr) = CliHarness.Run("benchmark", _cache.Model, "--runs", "2", "--warmup", "0", "--json");
        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        var fileBytes = FindNumber(json.RootElement, "fileBytes");
        Assert.Equal(new FileInfo(_cache.ModelBlob).Length + new FileInfo(_cache.DataBlob).Length, fileBytes);
    }

    [Theory]
    [InlineData("estimate", "--device", "pixel 8")]
    [InlineData("compat", "--backend", "nnapi")]
    public void Estimate_and_compat_read_it(string command, string option, string value)
    {
        var (code, stdout, stderr) = CliHarness.Run(command, _cache.Model, option, value, "--json");
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Contains("Conv", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Web_bundles_it()
    {
        var output = Path.Combine(_cache.Scratch, "web");
        var (code, _, stderr) = CliHarness.Run("web", _cache.Model, "-o", output, "--backend", "wasm");
        Assert.True(code == ExitCodes.Ok, stderr);
        var manifest = ProgressiveManifest.Load(Path.Combine(output, "model"), verify: true);
        Assert.Equal(0, PackagerModels.MaxAbsDifference(_expected, PackagerModels.Run(Path.Combine(output, "model", manifest.Graph.File))));
    }

    private static long FindNumber(System.Text.Json.JsonElement element, string name)
    {
        if (element.ValueKind == System.Text.Json.JsonValueKind.Object)
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == name && property.Value.ValueKind == System.Text.Json.JsonValueKind.Number) return property.Value.GetInt64();
                if (FindNumber(property.Value, name) is > 0 and var found) return found;
            }
        if (element.ValueKind == System.Text.Json.JsonValueKind.Array)
            foreach (var item in element.EnumerateArray())
                if (FindNumber(item, name) is > 0 and var found) return found;
        return -1;
    }

    [Fact]
    public void A_data_link_escaping_both_folders_is_refused()
    {
        // snapshots/<rev>/model.onnx -> ../../blobs/<sha>, but model.onnx_data -> a file outside the cache entry.
        using var dir = new TempDir();
        var outside = Directory.CreateDirectory(dir.File("elsewhere")).FullName;
        File.Copy(_cache.DataBlob, Path.Combine(outside, "weights"));
        var entry = Directory.CreateDirectory(dir.File("entry")).FullName;
        var blobs = Directory.CreateDirectory(Path.Combine(entry, "blobs")).FullName;
        var snapshot = Directory.CreateDirectory(Path.Combine(entry, "snapshots", "rev")).FullName;
        File.Copy(_cache.ModelBlob, Path.Combine(blobs, "m"));
        File.CreateSymbolicLink(Path.Combine(snapshot, "model.onnx"), "../../blobs/m");
        File.CreateSymbolicLink(Path.Combine(snapshot, "model.onnx_data"), Path.Combine(outside, "weights"));
        var before = FolderSnapshot.Take(dir.Path);

        var (code, stdout, stderr) = CliHarness.Run("inspect", Path.Combine(snapshot, "model.onnx"));

        Assert.Equal(ExitCodes.Usage, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("leads outside both the model's folder and the folder the model links to", line, StringComparison.Ordinal);
        Assert.Equal("", stdout);
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }

    [Fact]
    public void The_real_folder_does_not_widen_to_its_parent()
    {
        // The data lies beside the real model's folder, not under it: refused like any escape.
        using var dir = new TempDir();
        var real = Directory.CreateDirectory(dir.File("real")).FullName;
        var logical = Directory.CreateDirectory(dir.File("logical")).FullName;
        File.Copy(_cache.ModelBlob, Path.Combine(real, "model.onnx"));
        File.Copy(_cache.DataBlob, dir.File("model.onnx_data"));
        File.CreateSymbolicLink(Path.Combine(logical, "model.onnx"), Path.Combine(real, "model.onnx"));
        File.CreateSymbolicLink(Path.Combine(logical, "model.onnx_data"), dir.File("model.onnx_data"));

        var e = Assert.Throws<ModelFormatException>(() => Model.Load(Path.Combine(logical, "model.onnx")));
        Assert.Contains("leads outside", e.Message, StringComparison.Ordinal);
    }

}
