using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeOpt.Progressive;
using EdgeOpt.Web;
using SkiaSharp;

namespace EdgeOpt.Tests.Web;

/// <summary><see cref="WebBundler.Build"/>: what a bundle holds, that its model runs in ORT like the original, and the PWA parts.</summary>
public sealed partial class WebBundlerTests(WebBundleFixture fixture) : IClassFixture<WebBundleFixture>
{
    private static readonly string[] AppFiles = ["index.html", "app.js", "loader.js", "style.css", "bundle.json", "sample/0.bin", "model/manifest.json"];

    [Fact]
    public void Both_bundles_hold_the_page_config_sample_and_model_package()
    {
        foreach (var bundle in new[] { fixture.Progressive, fixture.SingleFile })
        {
            foreach (var file in AppFiles) Assert.True(File.Exists(Path.Combine(bundle.Folder, file)), $"{file} missing from {bundle.Folder}");
            Assert.True(File.Exists(Path.Combine(bundle.Folder, "model", bundle.Manifest.Graph.File)));
            Assert.Equal(64 * sizeof(float), new FileInfo(Path.Combine(bundle.Folder, "sample/0.bin")).Length);
        }
    }

    [Fact]
    public void Files_lists_every_file_on_disk_with_its_size_and_kind()
    {
        var bundle = fixture.Progressive;
        var onDisk = WebTestKit.Tree(bundle.Folder).Keys.ToList();
        Assert.Equal(onDisk, bundle.Files.Select(f => f.Path).ToList());
        foreach (var file in bundle.Files) Assert.Equal(new FileInfo(Path.Combine(bundle.Folder, file.Path)).Length, file.Size);
        Assert.Equal(WebBundleFileKind.Runtime, bundle.Files.Single(f => f.Path == "ort/ort.webgl.min.mjs").Kind);
        Assert.Equal(WebBundleFileKind.Model, bundle.Files.Single(f => f.Path == "model/manifest.json").Kind);
        Assert.Equal(WebBundleFileKind.Sample, bundle.Files.Single(f => f.Path == "sample/0.bin").Kind);
        Assert.Equal(WebBundleFileKind.Pwa, bundle.Files.Single(f => f.Path == "sw.js").Kind);
        Assert.Equal(WebBundleFileKind.App, bundle.Files.Single(f => f.Path == "index.html").Kind);
        Assert.Equal(bundle.Files.Sum(f => f.Size), bundle.TotalBytes);
    }

    [Fact]
    public void Single_file_bundle_has_no_chunks_and_its_graph_runs_in_ort_like_the_original()
    {
        var bundle = fixture.SingleFile;
        var manifest = ProgressiveManifest.Load(Path.Combine(bundle.Folder, "model"), verify: true);
        Assert.Empty(manifest.Chunks);
        Assert.False(bundle.Progressive);
        Assert.Equal(new[] { "manifest.json", manifest.Graph.File }.Order(StringComparer.Ordinal), Directory.GetFiles(Path.Combine(bundle.Folder, "model")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // The whole model, weights inline: at least the 4 × 16 KiB of weights.
        Assert.True(manifest.Graph.Size > 4 * 64 * 64 * sizeof(float), $"graph file is {manifest.Graph.Size} bytes");

        var sample = WebTestKit.ReadSample(bundle.Folder);
        WebTestKit.AssertIdentical(WebTestKit.Run(fixture.ModelPath, sample), WebTestKit.Run(Path.Combine(bundle.Folder, "model", manifest.Graph.File), sample));
    }

    [Fact]
    public void Progressive_bundle_chunks_the_weights_and_ort_loads_the_graph_from_the_model_folder_with_identical_outputs()
    {
        var bundle = fixture.Progressive;
        var manifest = ProgressiveManifest.Load(Path.Combine(bundle.Folder, "model"), verify: true);
        Assert.True(bundle.Progressive);
        Assert.Equal(2, manifest.Chunks.Count); // 4 × 16 KiB weights in 40 KiB chunks
        foreach (var chunk in manifest.Chunks) Assert.Equal(chunk.Size, new FileInfo(Path.Combine(bundle.Folder, "model", chunk.File)).Length);
        Assert.True(manifest.Graph.Size < 16 * 1024, $"graph file is {manifest.Graph.Size} bytes; weights should be in the chunks");

        var sample = WebTestKit.ReadSample(bundle.Folder);
        WebTestKit.AssertIdentical(WebTestKit.Run(fixture.ModelPath, sample), WebTestKit.Run(Path.Combine(bundle.Folder, "model", manifest.Graph.File), sample));
    }

    [Fact]
    public void Pwa_bundle_has_a_service_worker_with_every_placeholder_filled_and_the_shell_precached()
    {
        var bundle = fixture.Progressive;
        var sw = File.ReadAllText(Path.Combine(bundle.Folder, "sw.js"));
        Assert.DoesNotMatch(Placeholder(), sw);
        Assert.Contains($"'{bundle.Version}'", sw, StringComparison.Ordinal);
        Assert.Contains(OnnxRuntimeWeb.Version, sw, StringComparison.Ordinal);

        var list = PrecacheLine().Match(sw);
        Assert.True(list.Success, "sw.js has no `const PRECACHE = [...]` line");
        var precache = JsonSerializer.Deserialize<string[]>(list.Groups[1].Value)!;
        foreach (var file in new[] { "index.html", "app.js", "loader.js", "bundle.json", "model/manifest.json" }) Assert.Contains(file, precache);
        var manifest = bundle.Manifest;
        Assert.DoesNotContain(precache, p => p.StartsWith("ort/", StringComparison.Ordinal));
        Assert.DoesNotContain("model/" + manifest.Graph.File, precache);
        foreach (var chunk in manifest.Chunks) Assert.DoesNotContain("model/" + chunk.File, precache);
        foreach (var path in precache.Where(p => p != "./")) Assert.True(File.Exists(Path.Combine(bundle.Folder, path)), $"precached '{path}' is not in the bundle");
    }

    [Fact]
    public void Pwa_bundle_has_a_web_app_manifest_with_png_icons_of_192_and_512_pixels_linked_from_the_page()
    {
        var folder = fixture.Progressive.Folder;
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "manifest.webmanifest")));
        var root = manifest.RootElement;
        Assert.Equal("mlp", root.GetProperty("name").GetString());
        Assert.Equal("./", root.GetProperty("start_url").GetString());
        Assert.Equal("standalone", root.GetProperty("display").GetString());
        var icons = root.GetProperty("icons").EnumerateArray().ToList();
        Assert.Equal(["192x192", "512x512"], icons.Select(i => i.GetProperty("sizes").GetString()));
        foreach (var icon in icons)
        {
            Assert.Equal("image/png", icon.GetProperty("type").GetString());
            var size = int.Parse(icon.GetProperty("sizes").GetString()!.Split('x')[0], System.Globalization.CultureInfo.InvariantCulture);
            using var codec = SKCodec.Create(Path.Combine(folder, icon.GetProperty("src").GetString()!));
            Assert.NotNull(codec);
            Assert.Equal(SKEncodedImageFormat.Png, codec.EncodedFormat);
            Assert.Equal(size, codec.Info.Width);
            Assert.Equal(size, codec.Info.Height);
        }
        Assert.Contains("""<link rel="manifest" href="manifest.webmanifest">""", File.ReadAllText(Path.Combine(folder, "index.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void Bundle_without_pwa_has_no_service_worker_manifest_or_icons()
    {
        var folder = fixture.SingleFile.Folder;
        Assert.False(File.Exists(Path.Combine(folder, "sw.js")));
        Assert.False(File.Exists(Path.Combine(folder, "manifest.webmanifest")));
        Assert.False(Directory.Exists(Path.Combine(folder, "icons")));
        var html = File.ReadAllText(Path.Combine(folder, "index.html"));
        Assert.DoesNotContain("manifest.webmanifest", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<!--MANIFEST-->", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Bundle_json_describes_backend_threads_model_input_sample_and_labels()
    {
        using var config = WebTestKit.ReadConfig(fixture.Progressive.Folder);
        var root = config.RootElement;
        Assert.Equal("webgl", root.GetProperty("backend").GetString());
        Assert.Equal(2, root.GetProperty("threads").GetInt32());
        Assert.Equal(WebBundleOptions.MaxThreads, root.GetProperty("maxThreads").GetInt32());
        Assert.True(root.GetProperty("pwa").GetBoolean());
        var power = root.GetProperty("power");
        Assert.Equal("performance", power.GetProperty("mode").GetString());
        Assert.Equal(0.3, power.GetProperty("saverAtOrBelow").GetDouble());
        Assert.Equal(1, power.GetProperty("saverThreads").GetInt32());
        var input = Assert.Single(root.GetProperty("inputs").EnumerateArray());
        Assert.Equal("x", input.GetProperty("name").GetString());
        Assert.Equal("float32", input.GetProperty("type").GetString());
        Assert.Equal([1L, 64L], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(64 * 4, new FileInfo(Path.Combine(fixture.Progressive.Folder, input.GetProperty("sample").GetString()!)).Length);
        Assert.Equal(["y"], root.GetProperty("outputs").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("image").ValueKind); // [1,64] is not an image
        Assert.Equal(fixture.Labels, root.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!));
        var model = root.GetProperty("model");
        Assert.True(model.GetProperty("progressive").GetBoolean());
        Assert.Equal(fixture.Progressive.Manifest.Chunks.Count, model.GetProperty("chunks").GetInt32());
        Assert.Equal(fixture.Progressive.Manifest.ModelSha256, model.GetProperty("sha256").GetString());
        var runtime = root.GetProperty("runtime");
        Assert.Equal(OnnxRuntimeWeb.Version, runtime.GetProperty("version").GetString());
        Assert.Equal("ort.webgl.min.mjs", runtime.GetProperty("webGl").GetString());
        Assert.Equal(JsonValueKind.Null, runtime.GetProperty("wasm").ValueKind);

        using var single = WebTestKit.ReadConfig(fixture.SingleFile.Folder);
        Assert.Equal("wasm", single.RootElement.GetProperty("backend").GetString());
        Assert.Equal(0, single.RootElement.GetProperty("threads").GetInt32());
        Assert.Equal("balanced", single.RootElement.GetProperty("power").GetProperty("mode").GetString());
        Assert.Equal(0.2, single.RootElement.GetProperty("power").GetProperty("saverAtOrBelow").GetDouble());
        Assert.Equal(JsonValueKind.Null, single.RootElement.GetProperty("labels").ValueKind);
        Assert.False(single.RootElement.GetProperty("model").GetProperty("progressive").GetBoolean());
    }

    [GeneratedRegex("__[A-Z_]+__")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"const PRECACHE = (\[.*?\]);", RegexOptions.Singleline)]
    private static partial Regex PrecacheLine();
}
