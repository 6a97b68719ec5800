using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Progressive;
using EdgeOpt.Tests.Cli;
using EdgeOpt.Tests.Data;
using EdgeOpt.Tests.Progressive;

namespace EdgeOpt.Tests.Web;

/// <summary><c>edgeopt web</c> end to end: the embedded demo, JSON and human output, and bad input (exit 2, one line, nothing written).</summary>
public sealed class WebCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Demo_bundle_runs_the_first_fashion_mnist_test_image_and_its_graph_matches_the_embedded_model_in_ort()
    {
        var output = _dir.File("demo");
        var (code, stdout, stderr) = CliHarness.Run("web", "demo", "-o", output, "--backend", "webgl", "--pwa", "--json");
        Assert.True(code == 0, stderr);

        using (var json = JsonDocument.Parse(stdout))
        {
            var root = json.RootElement;
            Assert.Equal(Path.GetFullPath(output), root.GetProperty("folder").GetString());
            Assert.Equal("webgl", root.GetProperty("backend").GetString(), StringComparer.OrdinalIgnoreCase);
            var files = root.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()!).ToList();
            Assert.Equal(WebTestKit.Tree(output).Keys, files);
            Assert.Equal("fashion_cnn", root.GetProperty("manifest").GetProperty("modelName").GetString());
        }
        foreach (var file in new[] { "index.html", "app.js", "loader.js", "style.css", "bundle.json", "sample/0.bin", "model/manifest.json", "sw.js", "manifest.webmanifest" })
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} missing");

        var test = DemoAssets.TestSet();
        var expected = test.Image(0).ToArray().Select(p => p / 255f).ToArray();
        Assert.Equal(expected, MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(output, "sample/0.bin"))).ToArray());
        using (var config = WebTestKit.ReadConfig(output))
        {
            var root = config.RootElement;
            Assert.Equal(DemoAssets.ClassNames, root.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!));
            Assert.Contains("Fashion-MNIST test image 0", root.GetProperty("sampleDescription").GetString(), StringComparison.Ordinal);
            var image = root.GetProperty("image");
            Assert.Equal((28, 28, 1), (image.GetProperty("width").GetInt32(), image.GetProperty("height").GetInt32(), image.GetProperty("channels").GetInt32()));
        }

        var original = _dir.File(DemoAssets.ModelName);
        File.WriteAllBytes(original, DemoAssets.ModelBytes());
        var manifest = ProgressiveManifest.Load(Path.Combine(output, "model"), verify: true);
        var sample = WebTestKit.ReadSample(output);
        WebTestKit.AssertIdentical(WebTestKit.Run(original, sample), WebTestKit.Run(Path.Combine(output, "model", manifest.Graph.File), sample));
    }

    [Fact]
    public void Human_output_summarises_the_bundle_and_says_how_to_serve_it()
    {
        var model = PackagerModels.Mlp(_dir.Path);
        var (code, stdout, stderr) = CliHarness.Run("web", model, "-o", _dir.File("web"), "--backend", "webgl", "--progressive", "--chunk-size", "40KiB");

        Assert.True(code == 0, stderr);
        Assert.Contains("Web bundle", stdout, StringComparison.Ordinal);
        Assert.Contains("2 chunks", stdout, StringComparison.Ordinal);
        Assert.Contains("edgeopt serve", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Sample_and_class_names_files_go_into_the_bundle()
    {
        var model = WebTestKit.IdentityModel(_dir.Path, "image", DataType.Float, 1, 1, 28, 28);
        var values = DataTestKit.Ramp(28 * 28);
        DataTestKit.WriteNpy(_dir.File("sample.npy"), values, 1, 1, 28, 28);
        File.WriteAllLines(_dir.File("names.txt"), ["zero", "", "  one  "]);

        var (code, _, stderr) = CliHarness.Run("web", model, "-o", _dir.File("web"), "--backend", "webgl",
            "--sample", _dir.File("sample.npy"), "--class-names", _dir.File("names.txt"));

        Assert.True(code == 0, stderr);
        Assert.Equal(values, WebTestKit.ReadSample(_dir.File("web"))["x"].ToSingleArray());
        using var config = WebTestKit.ReadConfig(_dir.File("web"));
        Assert.Equal(["zero", "one"], config.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!));
        Assert.Contains("sample.npy", config.RootElement.GetProperty("sampleDescription").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Force_replaces_an_earlier_bundle()
    {
        var model = WebTestKit.IdentityModel(_dir.Path, "tiny", DataType.Float, 1, 4);
        var output = Directory.CreateDirectory(_dir.File("web")).FullName;
        Assert.Equal(0, CliHarness.Run("web", model, "-o", output, "--backend", "wasm", "--pwa").Code);

        var (code, _, stderr) = CliHarness.Run("web", model, "-o", output, "--backend", "webgl", "--force");

        Assert.True(code == 0, stderr);
        Assert.False(File.Exists(Path.Combine(output, "sw.js"))); // the earlier (PWA) bundle is gone, not merged
        Assert.True(File.Exists(Path.Combine(output, "index.html")));
        Assert.Empty(WebTestKit.TempSiblings(output));
    }

    [Fact]
    public void Help_lists_the_options()
    {
        var (code, stdout, _) = CliHarness.Run("web", "--help");

        Assert.Equal(0, code);
        foreach (var option in new[] { "--backend", "--progressive", "--pwa", "--threads", "--output", "--force", "--json" })
            Assert.Contains(option, stdout, StringComparison.Ordinal);
    }

    public static TheoryData<string, string[], string> BadInput => new()
    {
        { "threads -1", ["--threads", "-1"], "threads -1 is out of range" },
        { "threads 17", ["--threads", "17"], "threads 17 is out of range" },
        { "unknown backend", ["--backend", "cuda"], "--backend 'cuda': expected auto, wasm, webgpu or webgl" },
        { "unknown power mode", ["--power-mode", "turbo"], "--power-mode 'turbo' is not one of performance, balanced, battery-saver" },
        { "battery level 1", ["--saver-at", "1"], "--saver-at 1 is out of range; expected a battery fraction in [0, 1)" },
        { "negative battery level", ["--saver-at", "-0.1"], "--saver-at -0.1 is out of range" },
        { "missing class names", ["--class-names", "{dir}/none.txt"], "none.txt' does not exist" },
        { "empty class names", ["--class-names", "{dir}/empty.txt"], "empty.txt' holds no names" },
        { "wrong sample shape", ["--sample", "{dir}/wrong.npy"], "input 'x'" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Bad_option_exits_2_with_one_line_and_writes_nothing(string what, string[] extra, string message)
    {
        var model = WebTestKit.IdentityModel(_dir.Path, "tiny", DataType.Float, 1, 4);
        File.WriteAllText(_dir.File("empty.txt"), "\n  \n");
        DataTestKit.WriteNpy(_dir.File("wrong.npy"), DataTestKit.Ramp(6), 1, 6);
        var output = _dir.File("web");

        // No --backend here: every refusal comes before the runtime is copied, and one case is a bad --backend.
        AssertRefused(model, ["web", model, "-o", output, .. extra.Select(a => a.Replace("{dir}", _dir.Path, StringComparison.Ordinal))], output, message, what);
    }

    [Fact]
    public void Output_in_the_models_own_folder_is_refused()
    {
        var folder = Directory.CreateDirectory(_dir.File("models")).FullName;
        var model = WebTestKit.IdentityModel(folder, "tiny", DataType.Float, 1, 4);
        var before = WebTestKit.Tree(folder);

        var (code, _, stderr) = CliHarness.Run("web", model, "-o", folder, "--backend", "webgl");

        Assert.Equal(2, code);
        Assert.Contains("is the model's own folder", stderr, StringComparison.Ordinal);
        Assert.Equal(before, WebTestKit.Tree(folder));
        Assert.Empty(WebTestKit.TempSiblings(folder));
    }

    [Fact]
    public void Non_empty_output_without_force_is_refused_and_left_as_it_was()
    {
        var model = WebTestKit.IdentityModel(_dir.Path, "tiny", DataType.Float, 1, 4);
        var output = Directory.CreateDirectory(_dir.File("web")).FullName;
        File.WriteAllText(Path.Combine(output, "mine.txt"), "keep me");

        var (code, _, stderr) = CliHarness.Run("web", model, "-o", output, "--backend", "webgl");

        Assert.Equal(2, code);
        Assert.Contains("holds files EdgeOpt did not write ('mine.txt'", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Equal(["mine.txt"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
        Assert.Empty(WebTestKit.TempSiblings(output));
    }

    [Fact]
    public void Missing_model_exits_2_naming_it()
    {
        var output = _dir.File("web");
        var (code, _, stderr) = CliHarness.Run("web", _dir.File("nope.onnx"), "-o", output, "--backend", "webgl");

        Assert.Equal(2, code);
        Assert.Contains("nope.onnx", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void String_input_is_refused_naming_the_input_and_its_type()
    {
        var model = WebTestKit.IdentityModel(_dir.Path, "text", DataType.String, 1, 4);
        var output = _dir.File("web");

        AssertRefused(model, ["web", model, "-o", output, "--backend", "webgl"], output, "input 'x' is string", "string input");
    }

    [Fact]
    public void Demo_with_a_sample_is_refused()
    {
        var output = _dir.File("web");
        var (code, _, stderr) = CliHarness.Run("web", "demo", "-o", output, "--backend", "webgl", "--sample", "x");

        Assert.Equal(2, code);
        Assert.Contains("--sample is not used with the demo model", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(output));
    }

    private static void AssertRefused(string model, string[] args, string output, string message, string what)
    {
        var hash = SHA256.HashData(File.ReadAllBytes(model));
        var (code, stdout, stderr) = CliHarness.Run(args);

        Assert.True(code == 2, $"{what}: exit {code}, stderr: {stderr}");
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.True(stderr.Trim().Split('\n').Length == 1, $"{what}: stderr is not one line: {stderr}");
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(output), $"{what}: output was created");
        Assert.Empty(WebTestKit.TempSiblings(output));
        Assert.Equal(hash, SHA256.HashData(File.ReadAllBytes(model)));
    }
}
