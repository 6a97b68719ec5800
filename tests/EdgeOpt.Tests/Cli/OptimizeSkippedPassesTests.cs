using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.Passes;

namespace EdgeOpt.Tests.Cli;

/// <summary>
/// <c>edgeopt optimize</c> reports passes whose declared requirements the model does not meet: a <c>skipped</c>
/// reason next to the usual fields in JSON, "skipped" and the reason in the table; the rest of the report is as before.
/// </summary>
public class OptimizeSkippedPassesTests
{
    private static readonly string[] OpsetSevenPasses = ["decompose-batchnorm", "fuse-conv-scale-bias", "fuse-gemm-batchnorm", "fuse-matmul-add"];

    [Fact]
    public void Json_gives_the_reason_and_rewrites_and_keeps_the_existing_fields()
    {
        using var dir = new TempDir();
        var input = OptimizerTestModels.MatMulAddBatchNorm(opset: 6).SaveTo(dir.File("old.onnx"));

        var (code, stdout, stderr) = CliHarness.Run("optimize", input, "-o", dir.File("out.onnx"), "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        var rows = json.RootElement.GetProperty("passes").EnumerateArray().ToDictionary(r => r.GetProperty("pass").GetString()!);
        foreach (var name in OpsetSevenPasses)
        {
            Assert.Equal("requires opset ≥ 7 (the model has 6)", rows[name].GetProperty("skipped").GetString());
            Assert.Equal(0, rows[name].GetProperty("runs").GetInt32());
        }
        var ran = rows["remove-initializer-inputs"];
        Assert.False(ran.TryGetProperty("skipped", out _));
        foreach (var field in new[] { "runs", "changes", "nodesBefore", "nodesAfter", "initializerBytesBefore", "initializerBytesAfter", "elapsedMs", "rewrites" })
            Assert.True(ran.TryGetProperty(field, out _), field);
        // One rewrite per initializer listed as an input, one more for raising the IR version from 3 to 4.
        using var model = Model.Load(input);
        Assert.Equal(3, model.IrVersion);
        Assert.Equal(model.Graph.Inputs.Count(v => v.IsInitializer) + 1, ran.GetProperty("rewrites").GetInt32());
    }

    [Fact]
    public void The_table_says_skipped_with_the_reason()
    {
        using var dir = new TempDir();
        var input = OptimizerTestModels.MatMulAddBatchNorm(opset: 6).SaveTo(dir.File("old.onnx"));

        var (code, stdout, stderr) = CliHarness.Run("optimize", input, "-o", dir.File("out.onnx"));

        Assert.True(code == ExitCodes.Ok, stderr);
        var lines = stdout.Split('\n');
        foreach (var name in OpsetSevenPasses)
            Assert.Contains("skipped", Assert.Single(lines, l => l.Contains($"│ {name} ", StringComparison.Ordinal)), StringComparison.Ordinal);
        // Under the table, one line per reason names the passes it skipped (the console may wrap it).
        var flat = string.Join(" ", stdout.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"Skipped: {string.Join(", ", OpsetSevenPasses)} (requires opset ≥ 7 (the model has 6))", flat, StringComparison.Ordinal);
    }
}
