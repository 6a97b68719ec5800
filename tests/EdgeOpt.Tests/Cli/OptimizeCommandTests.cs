using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.BadInput;
using EdgeOpt.Tests.Passes;

namespace EdgeOpt.Tests.Cli;

/// <summary>
/// <c>edgeopt optimize</c>: the plumbing from flags to <see cref="ModelOptimizer"/> and back (per-pass report, atomic
/// output proven with ONNX Runtime), and every refusal: exit 2, one error line, nothing written, input untouched.
/// </summary>
public class OptimizeCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    [Fact]
    public void Input_and_output_aliases_write_an_equivalent_model_and_a_json_report()
    {
        using var dir = new TempDir();
        var input = OptimizerTestModels.SmallCnn(opset: 13).SaveTo(dir.File("cnn.onnx"));
        var output = dir.File("cnn.opt.onnx");

        var (code, stdout, stderr) = Run("optimize", "--input", input, "--output", output, "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal("", stderr);
        using var json = JsonDocument.Parse(stdout); // stdout is only the JSON object
        var root = json.RootElement;
        Assert.Equal(Path.GetFullPath(input), root.GetProperty("input").GetString());
        Assert.Equal(Path.GetFullPath(output), root.GetProperty("output").GetString());
        Assert.Equal("extended", root.GetProperty("level").GetString());
        var rows = root.GetProperty("passes").EnumerateArray().ToList();
        var expected = PassRegistry.Select(new OptimizationOptions()).Select(p => p.Name).Where(n => n is not ("fix-input-shapes" or "bind-inputs"));
        Assert.Equal(expected, rows.Select(r => r.GetProperty("pass").GetString()));
        Assert.All(rows, r => Assert.True(r.GetProperty("elapsedMs").GetDouble() >= 0));

        using var original = Model.Load(input);
        using var optimized = Model.Load(output);
        var totals = root.GetProperty("totals");
        Assert.Equal(PassManager.CountNodes(original), totals.GetProperty("nodesBefore").GetInt32());
        Assert.Equal(PassManager.CountNodes(optimized), totals.GetProperty("nodesAfter").GetInt32());
        Assert.Equal(PassManager.InitializerBytes(optimized), totals.GetProperty("initializerBytesAfter").GetInt64());
        Assert.Equal(new FileInfo(input).Length, totals.GetProperty("fileBytesBefore").GetInt64());
        Assert.Equal(new FileInfo(output).Length, totals.GetProperty("fileBytesAfter").GetInt64());
        var equivalence = ModelEquivalence.Compare(original, optimized, samples: 4, seed: 5);
        Assert.True(equivalence.IsWithin(1e-5), $"max relative error {equivalence.MaxRelativeError:E2}");
    }

    [Fact]
    public void Table_lists_every_pass_and_the_totals_with_nothing_on_stderr()
    {
        using var dir = new TempDir();
        var input = OptimizerTestModels.SmallCnn(opset: 13).SaveTo(dir.File("cnn.onnx"));

        var (code, stdout, stderr) = Run("optimize", input, "-o", dir.File("out.onnx"), "--level", "basic");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("Passes", stdout, StringComparison.Ordinal);
        Assert.Contains("Totals", stdout, StringComparison.Ordinal);
        Assert.Contains("File bytes", stdout, StringComparison.Ordinal);
        foreach (var pass in PassRegistry.Select(new OptimizationOptions { Level = PassLevel.Basic }).Where(p => p.Name is not ("fix-input-shapes" or "bind-inputs")))
            Assert.Contains(pass.Name, stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(dir.File("out.onnx")));
    }

    [Fact]
    public void Fixed_shape_target_opset_and_pass_lists_reach_the_optimizer()
    {
        using var dir = new TempDir();
        var input = OptimizerTestModels.SmallCnn(opset: 11).SaveTo(dir.File("cnn.onnx"));
        var output = dir.File("out.onnx");
        var first = PassRegistry.Names.FirstOrDefault(n => n is not ("fix-input-shapes" or "bind-inputs"));
        string[] passes = first is null ? [] : ["--passes", first];

        var (code, stdout, stderr) = Run(["optimize", input, "-o", output, "--fixed-shape", "x=2x3x8x8", "--target-opset", "13", .. passes, "--json"]);

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(11, root.GetProperty("opsetBefore").GetInt64());
        Assert.Equal(13, root.GetProperty("opsetAfter").GetInt64());
        Assert.Equal(1, root.GetProperty("conversion").GetProperty("nodesChangedByOp").GetProperty("Squeeze").GetInt32());
        Assert.Equal([2L, 3, 8, 8], root.GetProperty("fixedShapes").GetProperty("x").EnumerateArray().Select(d => d.GetInt64()));
        var rows = root.GetProperty("passes").EnumerateArray().Select(r => r.GetProperty("pass").GetString()).ToList();
        Assert.Equal(first is null ? ["fix-input-shapes"] : ["fix-input-shapes", first], rows);

        using var optimized = Model.Load(output);
        Assert.Equal(13, optimized.GetOpset());
        Assert.Equal(new TensorShape(2, 3, 8, 8), optimized.Graph.Inputs.Single(v => v.Name == "x").Shape);
        using var original = Model.Load(input);
        var equivalence = ModelEquivalence.Compare(original, optimized, samples: 2, seed: 6, dims: new Dictionary<string, long> { ["N"] = 2 });
        Assert.True(equivalence.IsWithin(1e-5), $"max relative error {equivalence.MaxRelativeError:E2}");
    }

    [Fact]
    public void External_data_goes_next_to_the_output()
    {
        using var dir = new TempDir();
        var input = OptimizerTestModels.SmallCnn(opset: 13).SaveTo(dir.File("cnn.onnx"));
        var output = dir.File("out.onnx");

        var (code, stdout, stderr) = Run("optimize", input, "-o", output, "--external-data", "--external-data-threshold", "64", "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.True(File.Exists(output + ".data"));
        using var json = JsonDocument.Parse(stdout);
        var fileBytes = json.RootElement.GetProperty("totals").GetProperty("fileBytesAfter").GetInt64();
        Assert.Equal(new FileInfo(output).Length + new FileInfo(output + ".data").Length, fileBytes);
    }

    [Fact]
    public void Help_lists_the_valid_pass_names_and_options()
    {
        var (code, stdout, _) = Run("optimize", "--help");

        Assert.Equal(ExitCodes.Ok, code);
        foreach (var option in new[] { "--input", "--output", "--level", "--target-opset", "--passes", "--skip-passes", "--fixed-shape", "--json" })
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        // Help wraps long descriptions: compare without line breaks and indentation.
        var flat = string.Join(" ", stdout.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries));
        foreach (var name in PassRegistry.Names) Assert.Contains(name, flat, StringComparison.Ordinal);
    }

    public static TheoryData<string, string[], string[]> Refusals => new()
    {
        { "unknown pass", ["--passes", "fold-everything"], ["'fold-everything'", "valid passes"] },
        { "unknown skipped pass", ["--skip-passes", "nope"], ["'nope'", "valid passes"] },
        { "opset too low", ["--target-opset", "3"], ["target opset 3", "7 to 21"] },
        { "opset too high", ["--target-opset", "99"], ["target opset 99", "7 to 21"] },
        { "contradicting fixed shape", ["--fixed-shape", "x=1x1x8x8"], ["'x'", "dim 1", "is 3, not 1"] },
        { "fixed shape of wrong rank", ["--fixed-shape", "x=1x3x8"], ["'x'", "rank 4"] },
        { "fixed shape of no input", ["--fixed-shape", "image=1x3x8x8"], ["'image'", "'x'"] },
        { "fixed shape without =", ["--fixed-shape", "x1x3x8x8"], ["--fixed-shape 'x1x3x8x8'", "NAME=DIMS"] },
        { "fixed shape without name", ["--fixed-shape", "=1x3x8x8"], ["--fixed-shape '=1x3x8x8'"] },
        { "fixed shape with a symbol", ["--fixed-shape", "x=Nx3x8x8"], ["--fixed-shape 'x=Nx3x8x8'"] },
        { "fixed shape with zero", ["--fixed-shape", "x=0x3x8x8"], ["--fixed-shape 'x=0x3x8x8'"] },
        { "fixed shape twice", ["--fixed-shape", "x=1x3x8x8", "--fixed-shape", "x=2x3x8x8"], ["'x' is given twice"] },
        { "bad level", ["--level", "max"], ["--level 'max'", "basic or extended"] },
        { "empty pass list", ["--passes", ","], ["--passes names no pass", "valid passes"] },
        { "negative threshold", ["--external-data", "--external-data-threshold", "-1"], ["--external-data-threshold -1"] },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Bad_options_exit_2_with_one_line_and_write_nothing(string _, string[] extra, string[] expected)
    {
        using var dir = new TempDir();
        var input = OptimizerTestModels.SmallCnn(opset: 13).SaveTo(dir.File("in.onnx"));
        AssertRefused(dir, ["optimize", input, "-o", dir.File("out.onnx"), .. extra], expected);
    }

    [Fact]
    public void A_model_the_converter_refuses_exits_2_naming_the_node()
    {
        using var dir = new TempDir();
        var input = OptimizerTestModels.GridSample().SaveTo(dir.File("in.onnx"));
        AssertRefused(dir, ["optimize", input, "-o", dir.File("out.onnx"), "--target-opset", "11", "--json"], ["in.onnx", "warp", "GridSample"]);
    }

    [Fact]
    public void Missing_or_doubled_model_and_output_paths_exit_2()
    {
        using var dir = new TempDir();
        var input = OptimizerTestModels.SmallCnn(opset: 13).SaveTo(dir.File("in.onnx"));

        AssertRefused(dir, ["optimize", input], ["-o/--output"]);
        AssertRefused(dir, ["optimize", "-o", dir.File("out.onnx")], ["missing input model"]);
        AssertRefused(dir, ["optimize", input, "--input", input, "-o", dir.File("out.onnx")], ["either MODEL or --input"]);
        AssertRefused(dir, ["optimize", input, "-o", input], ["is the input model"]);
        AssertRefused(dir, ["optimize", dir.File("nope.onnx"), "-o", dir.File("out.onnx")], ["nope.onnx"]);
        File.WriteAllText(dir.File("garbage.onnx"), "not a model");
        AssertRefused(dir, ["optimize", dir.File("garbage.onnx"), "-o", dir.File("out.onnx")], ["garbage.onnx", "not a valid ONNX model"]);
        AssertRefused(dir, ["optimize", input, "-o", Path.Combine(dir.Path, "no", "out.onnx")], ["does not exist"]);
    }

    /// <summary>Exit 2, nothing on stdout, one <c>error:</c> line holding <paramref name="expected"/>, the folder as it was.</summary>
    private static void AssertRefused(TempDir dir, string[] args, string[] expected)
    {
        var before = FolderSnapshot.Take(dir.Path);

        var line = CliHarness.UsageErrorLine(Run(args));

        foreach (var word in expected) Assert.Contains(word, line, StringComparison.Ordinal);
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }
}
