using System.Text.Json;
using EdgeOpt.Tests.Compatibility;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Cli;

public sealed class CompatCommandTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Save(Model model, string name)
    {
        var path = _temp.File(name);
        model.Save(path);
        model.Dispose();
        return path;
    }

    [Fact]
    public void Table_shows_partitions_unsupported_nodes_and_suggestions()
    {
        var path = Save(CompatModels.ConvChain(1), "chain.onnx");
        var (code, output, error) = CliHarness.Run("compat", path, "--backend", "nnapi");
        Assert.True(code == 0, error);
        Assert.Contains("Supported nodes", output, StringComparison.Ordinal);
        Assert.Matches(@"Partitions\s*│\s*2", output);
        Assert.Contains("HardSwish", output, StringComparison.Ordinal);
        Assert.Contains("ReplaceOp", output, StringComparison.Ordinal);
        Assert.Contains("nnapi_supported_ops.md", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_is_one_object_with_every_node_and_the_fixed_shape_command()
    {
        var path = Save(CompatModels.ConvChain(Dim.Symbolic("N"), middleOp: "Sigmoid"), "dynamic.onnx");
        var (code, output, error) = CliHarness.Run("compat", path, "--backend", "NNAPI", "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("nnapi", root.GetProperty("backend").GetString());
        Assert.Equal(5, root.GetProperty("totalNodes").GetInt32());
        Assert.Equal(0, root.GetProperty("supportedNodes").GetInt32());
        Assert.Equal(0, root.GetProperty("partitions").GetInt32());
        var first = root.GetProperty("nodes")[0];
        Assert.Equal("conv1", first.GetProperty("name").GetString());
        Assert.Equal("dynamicShape", first.GetProperty("cause").GetString());
        var fix = root.GetProperty("suggestions").EnumerateArray().Single(s => s.GetProperty("kind").GetString() == "fixShapes");
        Assert.Equal($"edgeopt optimize {path} --fixed-shape x=1x3x8x8 -o {_temp.File("dynamic.fixed.onnx")}", fix.GetProperty("command").GetString());
    }

    [Fact]
    public void Unknown_backend_exits_2_listing_the_valid_ones()
    {
        var path = Save(CompatModels.ConvChain(1), "m.onnx");
        var (code, output, error) = CliHarness.Run("compat", path, "--backend", "tpu");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("unknown backend 'tpu'", error, StringComparison.Ordinal);
        Assert.Contains("nnapi, coreml, tensorrt, xnnpack, webgpu, webgl, wasm", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData]
    [InlineData("--backend", "nnapi", "--device", "pixel 8")]
    public void Neither_or_both_of_backend_and_device_exit_2(params string[] extra)
    {
        var path = Save(CompatModels.ConvChain(1), "m.onnx");
        var (code, _, error) = CliHarness.Run(["compat", path, .. extra]);
        Assert.Equal(2, code);
        Assert.Contains("--backend", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_model_exits_2_naming_it()
    {
        var missing = _temp.File("nope.onnx");
        var (code, _, error) = CliHarness.Run("compat", missing, "--backend", "wasm");
        Assert.Equal(2, code);
        Assert.Contains("nope.onnx", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Device_uses_its_first_accelerator_backend_with_a_table()
    {
        var path = Save(CompatModels.ConvChain(1), "m.onnx");
        var (code, output, error) = CliHarness.Run("compat", path, "--device", "Pixel 8", "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("nnapi", json.RootElement.GetProperty("backend").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("device").GetString()));
    }

    [Fact]
    public void Unknown_device_exits_2_with_closest_matches()
    {
        var path = Save(CompatModels.ConvChain(1), "m.onnx");
        var (code, _, error) = CliHarness.Run("compat", path, "--device", "Pixle 8");
        Assert.Equal(2, code);
        Assert.Contains("unknown device 'Pixle 8'", error, StringComparison.Ordinal);
    }
}
