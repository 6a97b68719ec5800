using System.Text.Json;
using EdgeOpt.Tests.Progressive;

namespace EdgeOpt.Tests.Cli;

/// <summary><c>edgeopt progressive</c>: package, plan and diff end to end, tables and JSON, and bad input (exit 2, one line, nothing left behind).</summary>
public sealed class ProgressiveCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Packages_a_model_and_prints_the_chunk_table()
    {
        var model = PackagerModels.Mlp(_dir.Path);
        var (code, stdout, stderr) = CliHarness.Run("progressive", model, "--chunk-size", "40KiB", "-o", _dir.File("pkg"));

        Assert.True(code == 0, stderr);
        Assert.Contains("Progressive package", stdout, StringComparison.Ordinal);
        Assert.Contains("2 of up to 40 KiB, 4 tensors", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(_dir.File("pkg/manifest.json")));
    }

    [Fact]
    public void Json_output_is_the_manifest_and_plan_and_diff_work_on_the_package()
    {
        var model = PackagerModels.Mlp(_dir.Path);
        var (code, stdout, stderr) = CliHarness.Run("progressive", model, "--chunk-size", "40KiB", "-o", _dir.File("pkg"), "--json");
        Assert.True(code == 0, stderr);
        using (var manifest = JsonDocument.Parse(stdout))
        {
            Assert.Equal(1, manifest.RootElement.GetProperty("formatVersion").GetInt32());
            Assert.Equal(40 * 1024, manifest.RootElement.GetProperty("chunkSize").GetInt64());
            Assert.Equal(2, manifest.RootElement.GetProperty("chunks").GetArrayLength());
        }

        (code, stdout, stderr) = CliHarness.Run("progressive", _dir.File("pkg"), "--plan", "--bandwidth", "1 MB/s", "-o", _dir.File("plan.json"), "--json");
        Assert.True(code == 0, stderr);
        using (var plan = JsonDocument.Parse(File.ReadAllText(_dir.File("plan.json"))))
        {
            var root = plan.RootElement;
            Assert.Equal(3, root.GetProperty("stages").GetArrayLength());
            Assert.Equal(1e6, root.GetProperty("bandwidthBytesPerSecond").GetDouble());
            var total = root.GetProperty("totalBytes").GetInt64();
            Assert.Equal(total / 1e6, root.GetProperty("sessionReadyAfterSeconds").GetDouble(), 9); // rate given: no latency
            Assert.Equal(stdout.Trim(), JsonSerializer.Serialize(root, new JsonSerializerOptions { WriteIndented = true }).Trim());
        }

        (code, stdout, stderr) = CliHarness.Run("progressive", "diff", _dir.File("pkg"), _dir.File("pkg"), "--json");
        Assert.True(code == 0, stderr);
        using var diff = JsonDocument.Parse(stdout);
        Assert.Equal(0, diff.RootElement.GetProperty("bytesToFetch").GetInt64());
        Assert.Equal(4, diff.RootElement.GetProperty("unchangedTensors").GetInt32());
    }

    [Fact]
    public void Plan_table_labels_times_estimated_and_a_memory_limit_below_the_peak_exits_3()
    {
        var model = PackagerModels.Mlp(_dir.Path);
        Assert.Equal(0, CliHarness.Run("progressive", model, "--chunk-size", "40KiB", "-o", _dir.File("pkg")).Code);

        var (code, stdout, stderr) = CliHarness.Run("progressive", _dir.File("pkg"), "--plan", "--bandwidth", "3g");
        Assert.True(code == 0, stderr);
        Assert.Contains("ESTIMATED", stdout, StringComparison.Ordinal);
        Assert.Contains("1.44 Mbit/s, 562.5 ms per request", stdout, StringComparison.Ordinal);
        Assert.Contains("Session can be created after stage 2", stdout, StringComparison.Ordinal);

        (code, _, stderr) = CliHarness.Run("progressive", _dir.File("pkg"), "--plan", "--max-memory", "10KB");
        Assert.Equal(3, code);
        Assert.Contains("over the --max-memory limit of 10,000 bytes", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", "--chunk-size '0' is not a positive size")]
    [InlineData("abc", "--chunk-size 'abc' is not a positive size")]
    [InlineData("1KB", "--chunk-size 1000 bytes is out of range (min 4 KiB)")]
    [InlineData("3GiB", "--chunk-size 3221225472 bytes is out of range (max 2 GiB)")]
    public void Bad_chunk_size_exits_2_with_one_line_and_writes_nothing(string size, string message)
    {
        var model = PackagerModels.Mlp(_dir.Path);
        var (code, stdout, stderr) = CliHarness.Run("progressive", model, "--chunk-size", size, "-o", _dir.File("pkg"));

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Equal([model], Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void Output_in_the_models_folder_or_non_empty_without_force_exits_2_and_leaves_everything_untouched()
    {
        var model = PackagerModels.Mlp(_dir.Path);
        var before = PackagerModels.Snapshot(_dir.Path);
        var (code, _, stderr) = CliHarness.Run("progressive", model, "-o", _dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("is the model's own folder", stderr, StringComparison.Ordinal);

        Directory.CreateDirectory(_dir.File("pkg"));
        File.WriteAllText(_dir.File("pkg/notes.txt"), "x");
        // A file EdgeOpt did not write: refused with and without --force, and left as it was.
        foreach (var force in new[] { false, true })
        {
            (code, _, stderr) = force
                ? CliHarness.Run("progressive", model, "-o", _dir.File("pkg"), "--force")
                : CliHarness.Run("progressive", model, "-o", _dir.File("pkg"));
            Assert.Equal(2, code);
            Assert.Contains("holds files EdgeOpt did not write ('notes.txt'", stderr, StringComparison.Ordinal);
            Assert.Equal(["notes.txt"], Directory.GetFiles(_dir.File("pkg")).Select(Path.GetFileName));
            Assert.Equal(before.Keys.Append("pkg/notes.txt").Order(), PackagerModels.Snapshot(_dir.Path).Keys.Order());
            Assert.True(before[Path.GetFileName(model)].AsSpan().SequenceEqual(File.ReadAllBytes(model)));
        }

        // An earlier package: refused without --force, replaced with it.
        File.Delete(_dir.File("pkg/notes.txt"));
        Assert.Equal(0, CliHarness.Run("progressive", model, "-o", _dir.File("pkg")).Code);
        (code, _, stderr) = CliHarness.Run("progressive", model, "-o", _dir.File("pkg"));
        Assert.Equal(2, code);
        Assert.Contains("holds an earlier package; use --force to replace it", stderr, StringComparison.Ordinal);
        (code, _, stderr) = CliHarness.Run("progressive", model, "-o", _dir.File("pkg"), "--force");
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public void Bad_manifest_missing_model_and_bad_bandwidth_exit_2_with_one_line()
    {
        var model = PackagerModels.Mlp(_dir.Path);
        Assert.Equal(0, CliHarness.Run("progressive", model, "--chunk-size", "40KiB", "-o", _dir.File("pkg")).Code);
        var manifestPath = _dir.File("pkg/manifest.json");
        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace("\"file\": \"", "\"file\": \"../", StringComparison.Ordinal));

        var cases = new (string[] Args, string Message)[]
        {
            (["progressive", _dir.File("pkg"), "--plan"], "outside its folder"),
            (["progressive", "diff", _dir.File("nope"), _dir.File("pkg")], "does not exist"),
            (["progressive", _dir.File("missing.onnx"), "-o", _dir.File("out")], "not found"),
            (["progressive", _dir.File("pkg"), "--plan", "--bandwidth", "fast"], "--bandwidth 'fast' is not"),
            (["progressive", _dir.File("pkg"), "-o", _dir.File("out")], "is a folder; add --plan"),
        };
        foreach (var (args, message) in cases)
        {
            var (code, stdout, stderr) = CliHarness.Run(args);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}, {stderr}");
            Assert.Equal("", stdout);
            Assert.Contains(message, stderr, StringComparison.Ordinal);
            Assert.Single(stderr.TrimEnd().Split('\n'));
        }
        Assert.False(Directory.Exists(_dir.File("out")));
    }
}
