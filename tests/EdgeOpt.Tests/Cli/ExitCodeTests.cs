using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.Progressive;
using EdgeOpt.Tests.Safety;

namespace EdgeOpt.Tests.Cli;

/// <summary>
/// The exit-code table (docs/cli.md, "Exit codes"; <see cref="ExitCodes.For"/>) through the real CLI: one test per code,
/// each on a genuine path, and an internal error with and without --verbose in a process of its own.
/// 130/143 (interrupted) are covered by <see cref="InterruptedWriteTests"/>.
/// </summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Exit_0_when_the_command_succeeds()
    {
        var model = DemoModel();

        var (code, stdout, stderr) = CliHarness.Run("inspect", model, "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.StartsWith("{", stdout.TrimStart(), StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Exit_2_for_a_file_that_is_not_a_model()
    {
        var path = _dir.File("notes.onnx");
        File.WriteAllText(path, "these are notes, not a protobuf");

        var line = CliHarness.UsageErrorLine(CliHarness.Run("inspect", path));

        Assert.Contains("notes.onnx", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Exit_2_for_an_unsupported_operator_or_type_in_any_command_not_only_optimize()
    {
        // An input without a rank: benchmark cannot generate data for it (UnsupportedOperatorException), which is bad input.
        var b = new GraphBuilder("rankless", opset: 13);
        var loose = b.Input("loose", new TensorType(DataType.Float, null));
        b.Output(b.AddNode("Identity", [loose], name: "same").Outputs[0], "out");
        var path = _dir.File("rankless.onnx");
        using (var model = b.Build()) model.Save(path);

        var line = CliHarness.UsageErrorLine(CliHarness.Run("benchmark", path, "--runs", "1", "--warmup", "0"));

        Assert.Contains("'loose'", line, StringComparison.Ordinal);
        Assert.Contains("rank", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Exit_2_lists_every_option_problem_at_once_named_by_flag()
    {
        var line = CliHarness.UsageErrorLine(CliHarness.Run("quantize", DemoModel(), "-o", _dir.File("q.onnx"),
            "--type", "int4", "--block-size", "48", "--percentile", "0", "--calib", "random"));

        Assert.Contains("--block-size 48: expected a power of two", line, StringComparison.Ordinal);
        Assert.Contains("--percentile 0: expected a value in (0, 100]", line, StringComparison.Ordinal);
        Assert.Contains("--calib is for int8 static quantization; --type int4 needs no calibration", line, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("q.onnx")));
    }

    [Fact]
    public void Exit_3_when_a_constraint_cannot_be_met()
    {
        var model = PackagerModels.Mlp(_dir.Path);
        var package = _dir.File("pkg");
        Assert.Equal(ExitCodes.Ok, CliHarness.Run("progressive", model, "--chunk-size", "40KiB", "-o", package).Code);

        var (code, stdout, stderr) = CliHarness.Run("progressive", package, "--plan", "--max-memory", "1KB");

        Assert.Equal(ExitCodes.ConstraintsNotMet, code);
        Assert.Contains("Load plan", stdout, StringComparison.OrdinalIgnoreCase); // the plan is still shown
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: the schedule holds", line, StringComparison.Ordinal);
        Assert.Contains("over the --max-memory limit of 1", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Exit_1_for_an_internal_error_one_line_without_a_stack_trace()
    {
        using var process = CliProcess.StartWithEnvironment([$"{CommandRunner.InternalErrorHook}=1"], "inspect", DemoModel());

        var (code, stdout, stderr) = process.WaitForExit();

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: unexpected error: internal error injected by the {CommandRunner.InternalErrorHook} test hook", line);
    }

    [Fact]
    public void Exit_1_for_an_internal_error_with_verbose_prints_the_stack_trace_and_does_not_crash()
    {
        using var process = CliProcess.StartWithEnvironment([$"{CommandRunner.InternalErrorHook}=1"], "inspect", DemoModel(), "--verbose");

        var (code, stdout, stderr) = process.WaitForExit();

        // A crash would be 134 (SIGABRT) with "Unhandled exception." from the runtime.
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: unexpected error: internal error injected", stderr, StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException", stderr, StringComparison.Ordinal);
        Assert.Contains("at EdgeOpt.Cli.CommandRunner.Execute", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_test_hook_is_inert_unless_set_to_1()
    {
        using var process = CliProcess.StartWithEnvironment([$"{CommandRunner.InternalErrorHook}=0"], "inspect", DemoModel(), "--json");

        var (code, _, stderr) = process.WaitForExit();

        Assert.True(code == ExitCodes.Ok, stderr);
    }

    [Fact]
    public void The_table_maps_each_exception_type_once()
    {
        Assert.Equal(ExitCodes.ConstraintsNotMet, ExitCodes.For(new ConstraintException("x")));
        Assert.Equal(ExitCodes.Usage, ExitCodes.For(new InvalidOptionsException([new OptionProblem("{0} is bad", "Options.X")])));
        foreach (var usage in new Exception[] { new UsageException("x"), new ModelFormatException("x"), new DataFormatException("x"),
                     new UnsupportedOperatorException("x"), new FileNotFoundException("x"), new DirectoryNotFoundException("x") })
            Assert.Equal(ExitCodes.Usage, ExitCodes.For(usage));
        foreach (var failure in new Exception[] { new EdgeOptException("x"), new IOException("x"), new UnauthorizedAccessException("x"), new InvalidOperationException("x") })
            Assert.Equal(ExitCodes.Failure, ExitCodes.For(failure));
    }

    private string DemoModel()
    {
        var path = _dir.File("demo.onnx");
        if (!File.Exists(path)) File.WriteAllBytes(path, DemoAssets.ModelBytes());
        return path;
    }
}
