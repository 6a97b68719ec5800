using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.Onnx;

namespace EdgeOpt.Tests.Cli;

/// <summary><c>edgeopt convert</c>: external data out and back in, proven with ONNX Runtime, and refusals that write nothing.</summary>
public class ConvertCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    [Fact]
    public void Moves_weights_to_external_data_and_back_with_identical_outputs()
    {
        using var dir = new TempDir();
        var external = dir.File("ext.onnx");
        var (code, stdout, stderr) = Run("convert", Fixtures.ResNet18, "-o", external, "--external-data", "--external-data-threshold", "4096", "--json");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", stderr);
        using (var doc = JsonDocument.Parse(stdout))
        {
            var root = doc.RootElement;
            Assert.True(root.GetProperty("modelBytes").GetInt64() < 200_000);
            Assert.Equal("ext.onnx.data", root.GetProperty("externalFiles")[0].GetProperty("location").GetString());
            Assert.True(root.GetProperty("externalTensors").GetInt32() > 20);
        }

        var inline = dir.File("inline.onnx");
        (code, _, stderr) = Run("convert", external, "--output", inline);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", stderr);

        using (var back = Model.Load(inline))
            Assert.All(back.Graph.Initializers, v => Assert.Null(v.Initializer!.External));
        var reference = ResNet18RoundTripTests.Run(Fixtures.ResNet18, seed: 3);
        Assert.Equal(reference, ResNet18RoundTripTests.Run(external, seed: 3));
        Assert.Equal(reference, ResNet18RoundTripTests.Run(inline, seed: 3));
    }

    [Fact]
    public void One_file_per_tensor_and_human_table()
    {
        using var dir = new TempDir();
        var (code, stdout, _) = Run("convert", Fixtures.ResNet18, "-o", dir.File("m.onnx"), "--external-data", "--external-data-per-tensor", "--external-data-threshold", "1000000");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("External file", stdout, StringComparison.Ordinal);
        int large;
        using (var original = Model.Load(Fixtures.ResNet18))
            large = original.Graph.Initializers.Count(v => v.Initializer!.ByteLength >= 1_000_000);
        // Each weight of at least 1 MB (ten in ResNet18) gets its own file next to the model.
        Assert.Equal(10, large);
        Assert.Equal(1 + large, Directory.GetFiles(dir.Path).Length);
    }

    public static TheoryData<string[], string> Refusals => new()
    {
        { ["--external-data", "--external-data-location", "../escape.bin"], "external data location" },
        { ["--external-data", "--external-data-location", "/tmp/abs.bin"], "external data location" },
        { ["--external-data", "--external-data-threshold", "-5"], "--external-data-threshold" },
        { ["--external-data-per-tensor"], "need --external-data" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Bad_options_exit_2_with_one_line_and_write_nothing(string[] extra, string expected)
    {
        using var dir = new TempDir();
        var input = dir.File("in.onnx");
        File.Copy(Fixtures.ResNet18, input);
        var before = File.ReadAllBytes(input);

        var (code, stdout, stderr) = Run(["convert", input, "-o", dir.File("out.onnx"), .. extra]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Equal(["in.onnx"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.Equal(before, File.ReadAllBytes(input));
    }

    [Fact]
    public void Missing_input_or_output_folder_exit_2_and_write_nothing()
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = Run("convert", dir.File("nope.onnx"), "-o", dir.File("out.onnx"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);

        (code, _, stderr) = Run("convert", Fixtures.ResNet18, "-o", Path.Combine(dir.Path, "no", "such", "out.onnx"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Help_describes_the_options()
    {
        var (code, stdout, _) = Run("convert", "--help");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("--external-data-threshold", stdout, StringComparison.Ordinal);
    }
}
