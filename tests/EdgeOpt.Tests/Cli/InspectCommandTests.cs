using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Cli;

/// <summary><c>edgeopt inspect</c> through <see cref="CliApp.Run"/>: JSON, tables, options and failures.</summary>
public class InspectCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    [Fact]
    public void Json_is_one_object_with_the_resnet18_figures()
    {
        var (code, stdout, stderr) = Run("inspect", Fixtures.ResNet18, "--json");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(15_908_800, root.GetProperty("parameters").GetInt64());
        Assert.Equal(63_635_200, root.GetProperty("weightBytes").GetInt64());
        Assert.Equal(2_044_772_352, root.GetProperty("macs").GetInt64());
        Assert.Equal(2 * 2_044_772_352L, root.GetProperty("costByOp").EnumerateArray().Single(c => c.GetProperty("opType").GetString() == "Conv").GetProperty("flops").GetInt64());
        Assert.True(root.GetProperty("flops").GetInt64() > 2 * 2_044_772_352L);
        Assert.Equal(74, root.GetProperty("nodes").GetInt32());
        Assert.Equal(22, root.GetProperty("opCounts").GetProperty("Conv").GetInt32());
        Assert.Equal(22, root.GetProperty("opCounts").GetProperty("BatchNormalization").GetInt32());
        Assert.Equal(8, root.GetProperty("opsets").GetProperty("ai.onnx").GetInt64());
        var input = root.GetProperty("inputs")[0];
        Assert.Equal("float", input.GetProperty("elementType").GetString());
        Assert.Equal([1L, 3, 224, 224], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(1, root.GetProperty("outputs").GetArrayLength());
        Assert.Equal(2 * 64 * 112 * 112 * 4, root.GetProperty("peakActivationBytes").GetInt64());
        Assert.Equal(10, root.GetProperty("largestTensors").GetArrayLength());
        Assert.Equal("weight", root.GetProperty("largestTensors")[0].GetProperty("kind").GetString());
        Assert.Equal(0, root.GetProperty("flaggedOps").GetArrayLength());
        Assert.Equal(0, root.GetProperty("notCounted").GetArrayLength());
    }

    [Fact]
    public void Human_output_shows_the_key_figures_in_tables()
    {
        var (code, stdout, stderr) = Run("inspect", Fixtures.ResNet18);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", stderr);
        foreach (var expected in new[] { "15,908,800", "2,044,772,352", "4,089,544,704", "63,635,200", "CNTK", "ai.onnx 8", "Input247", "BatchNormalization", "Largest tensors", "No flagged operators" })
            Assert.Contains(expected, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_one_error_line_exit_2_and_no_stdout()
    {
        using var dir = new TempDir();
        var path = dir.File("nope.onnx");

        var (code, stdout, stderr) = Run("inspect", path, "--json");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("nope.onnx", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Dim_option_sizes_symbolic_dims_and_rejects_malformed_values()
    {
        using var dir = new TempDir();
        var path = dir.File("sym.onnx");
        var b = new GraphBuilder("sym");
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 4);
        b.Output(b.Op("Relu", [x]), "y", new TensorType(DataType.Float, new TensorShape(Dim.Symbolic("N"), 4)));
        using (var model = b.Build()) model.Save(path);
        var before = File.ReadAllBytes(path);

        var unbound = JsonDocument.Parse(Run("inspect", path, "--json").Out).RootElement;
        Assert.Equal(1, unbound.GetProperty("notCounted").GetArrayLength());
        Assert.Equal("N", unbound.GetProperty("inputs")[0].GetProperty("shape")[0].GetString());

        var bound = JsonDocument.Parse(Run("inspect", path, "--json", "--dim", "N=8").Out).RootElement;
        Assert.Equal(0, bound.GetProperty("notCounted").GetArrayLength());
        Assert.Equal(32, bound.GetProperty("flops").GetInt64());

        var (code, stdout, stderr) = Run("inspect", path, "--dim", "N=zero");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        Assert.Contains("--dim 'N=zero'", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Help_describes_the_command_and_its_options()
    {
        var (code, stdout, _) = Run("inspect", "--help");

        Assert.Equal(ExitCodes.Ok, code);
        foreach (var expected in new[] { "inspect", "--json", "--dim", "--top" })
            Assert.Contains(expected, stdout, StringComparison.Ordinal);
    }
}
