using System.Text.Json;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.Progressive;
using EdgeOpt.Web;

namespace EdgeOpt.Tests.Web;

/// <summary><see cref="WebBundler.Build"/> per backend and input layout, and its determinism.</summary>
public sealed class WebBundlerBuildTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(WebBackend.Auto)]
    [InlineData(WebBackend.Wasm)]
    [InlineData(WebBackend.WebGpu)]
    [InlineData(WebBackend.WebGl)]
    public void Runtime_folder_holds_exactly_the_backend_files_byte_identical_to_the_shipped_ones(WebBackend backend)
    {
        var model = WebTestKit.IdentityModel(_dir.Path, "tiny", DataType.Float, 1, 4);
        var bundle = WebBundler.Build(model, _dir.File("web"), new WebBundleOptions { Backend = backend });

        var ort = Path.Combine(bundle.Folder, "ort");
        var expected = OnnxRuntimeWeb.FilesFor(backend).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, Directory.GetFiles(ort).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal));
        foreach (var file in expected)
            Assert.True(File.ReadAllBytes(Path.Combine(WebTestKit.ShippedRuntimeFolder, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(ort, file))), $"ort/{file} differs from the shipped file");
        Assert.Equal(expected.Select(f => "ort/" + f), bundle.Files.Where(f => f.Kind == WebBundleFileKind.Runtime).Select(f => f.Path));

        using var config = WebTestKit.ReadConfig(bundle.Folder);
        var runtime = config.RootElement.GetProperty("runtime");
        Assert.Equal(WebBundler.BackendName(backend), config.RootElement.GetProperty("backend").GetString());
        // Every entry module the page may import is shipped.
        foreach (var entry in new[] { "wasm", "webGpu", "webGl" }.Select(p => runtime.GetProperty(p)).Where(e => e.ValueKind == JsonValueKind.String))
            Assert.Contains(entry.GetString()!, expected);
    }

    [Theory]
    [InlineData(new long[] { 1, 1, 28, 28 }, "nchw", 28, 28, 1)]
    [InlineData(new long[] { 1, 3, 224, 224 }, "nchw", 224, 224, 3)]
    [InlineData(new long[] { 1, 32, 24, 3 }, "nhwc", 24, 32, 3)]
    public void Image_input_gets_an_image_config_from_its_shape(long[] shape, string layout, int width, int height, int channels)
    {
        var model = WebTestKit.IdentityModel(_dir.Path, "image", DataType.Float, [.. shape.Select(d => (Dim)d)]);
        var bundle = WebBundler.Build(model, _dir.File("web"), new WebBundleOptions { Backend = WebBackend.WebGl });

        using var config = WebTestKit.ReadConfig(bundle.Folder);
        var image = config.RootElement.GetProperty("image");
        Assert.Equal("x", image.GetProperty("input").GetString());
        Assert.Equal(layout, image.GetProperty("layout").GetString());
        Assert.Equal(width, image.GetProperty("width").GetInt32());
        Assert.Equal(height, image.GetProperty("height").GetInt32());
        Assert.Equal(channels, image.GetProperty("channels").GetInt32());
        Assert.Equal(1 / 255f, image.GetProperty("scale").GetSingle(), 1e-9f);
        var input = Assert.Single(config.RootElement.GetProperty("inputs").EnumerateArray());
        Assert.Equal(shape, input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(shape.Aggregate(1L, (a, b) => a * b) * sizeof(float), new FileInfo(Path.Combine(bundle.Folder, "sample/0.bin")).Length);
    }

    [Fact]
    public void A_webgl_bundle_fixes_symbolic_input_dims_to_the_sample_shape_and_keeps_the_outputs()
    {
        var model = WebTestKit.IdentityModel(_dir.Path, "batch", DataType.Float, Dim.Symbolic("N"), 4);
        var webgl = WebBundler.Build(model, _dir.File("webgl"), new WebBundleOptions { Backend = WebBackend.WebGl });
        var wasm = WebBundler.Build(model, _dir.File("wasm"), new WebBundleOptions { Backend = WebBackend.Wasm });

        Assert.Contains(webgl.Notes, n => n.Contains("input dims fixed to the sample's shape (x [1,4])", StringComparison.Ordinal));
        Assert.Empty(wasm.Notes);
        var graph = Path.Combine(webgl.Folder, "model", webgl.Manifest.Graph.File);
        using (var packaged = Model.Load(graph))
        {
            var shape = Assert.IsType<TensorType>(packaged.Graph.Inputs.Single().Type).Shape!;
            Assert.True(shape.IsStatic, $"webgl graph input is {shape}");
            Assert.Equal([1L, 4L], shape.ToArray()!);
        }
        using (var original = Model.Load(Path.Combine(wasm.Folder, "model", wasm.Manifest.Graph.File)))
            Assert.False(Assert.IsType<TensorType>(original.Graph.Inputs.Single().Type).Shape!.IsStatic);

        // The transform is checked like every other: same outputs as the original model on the bundle's sample.
        var sample = WebTestKit.ReadSample(webgl.Folder);
        WebTestKit.AssertIdentical(WebTestKit.Run(model, sample), WebTestKit.Run(graph, sample));
    }

    [Fact]
    public void Building_twice_gives_byte_identical_trees()
    {
        var model = PackagerModels.Mlp(_dir.Path);
        var options = new WebBundleOptions { Backend = WebBackend.WebGl, Progressive = true, ChunkSize = 40 * 1024, Pwa = true };
        var first = WebBundler.Build(model, _dir.File("first"), options);
        var second = WebBundler.Build(model, _dir.File("second"), options);

        var a = WebTestKit.Tree(first.Folder);
        var b = WebTestKit.Tree(second.Folder);
        Assert.True(a.Count > 10, $"only {a.Count} files");
        Assert.Equal(a, b);
        Assert.Equal(first.Version, second.Version);
    }

    [Fact]
    public void A_different_sample_changes_the_bundle_version()
    {
        var model = WebTestKit.IdentityModel(_dir.Path, "tiny", DataType.Float, 1, 4);
        var options = new WebBundleOptions { Backend = WebBackend.WebGl, Pwa = true };
        var first = WebBundler.Build(model, _dir.File("first"), options);
        var second = WebBundler.Build(model, _dir.File("second"), options with
        {
            Sample = new Dictionary<string, Tensor> { ["x"] = Tensor.Create<float>("x", [1f, 2f, 3f, 4f], 1, 4) },
        });

        Assert.NotEqual(first.Version, second.Version);
        Assert.Equal([1f, 2f, 3f, 4f], WebTestKit.ReadSample(second.Folder)["x"].ToSingleArray());
        Assert.Contains(second.Version, File.ReadAllText(Path.Combine(second.Folder, "sw.js")), StringComparison.Ordinal);
    }
}
