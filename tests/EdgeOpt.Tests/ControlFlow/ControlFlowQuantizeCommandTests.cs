using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.ControlFlow;

/// <summary><c>edgeopt quantize</c> on models with control flow and recurrent layers: counts include bodies, every node left in float says why.</summary>
public sealed class ControlFlowQuantizeCommandTests
{
    [Fact]
    public void Dynamic_int8_of_silero_legacy_counts_the_branch_nodes_in_json()
    {
        using var dir = new TempDir();
        var output = dir.File("vad.int8.onnx");

        var (code, stdout, stderr) = CliHarness.Run("quantize", Fixtures.SileroVadLegacy, "-o", output, "--type", "int8-dynamic", "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("nodesQuantized").GetInt32() >= 40, stdout); // 36 Conv and the LSTMs, all inside If branches
        Assert.True(root.GetProperty("bytesAfter").GetInt64() <= 0.35 * root.GetProperty("bytesBefore").GetInt64());
        Assert.Equal(0, root.GetProperty("nodesExcluded").GetArrayLength());
    }

    [Fact]
    public void Gru_left_in_float_is_listed_with_its_reason_in_the_table_and_json()
    {
        using var dir = new TempDir();
        var input = dir.File("recurrent.onnx");
        using (var model = ControlFlowQuantizationTests.RecurrentModel()) model.Save(input);

        var (code, table, stderr) = CliHarness.Run("quantize", input, "-o", dir.File("table.onnx"), "--type", "int8-dynamic");
        var (jsonCode, stdout, jsonErr) = CliHarness.Run("quantize", input, "-o", dir.File("json.onnx"), "--type", "int8-dynamic", "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.True(jsonCode == ExitCodes.Ok, jsonErr);
        Assert.Contains("Left in float", table, StringComparison.Ordinal);
        Assert.Contains("DynamicQuantizeGRU", table.Replace("\n", "").Replace("│", "").Replace(" ", ""), StringComparison.Ordinal);
        using var json = JsonDocument.Parse(stdout);
        var left = Assert.Single(json.RootElement.GetProperty("nodesExcluded").EnumerateArray());
        Assert.Equal("gru", left.GetProperty("node").GetString());
        Assert.Equal("GRU", left.GetProperty("opType").GetString());
        Assert.Contains("no DynamicQuantizeGRU kernel", left.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, json.RootElement.GetProperty("nodesQuantized").GetInt32());
    }

    [Fact]
    public void Static_int8_of_unbound_silero_is_exit_2_with_one_line_naming_bind_and_nothing_written()
    {
        using var dir = new TempDir();
        var output = dir.File("vad.qdq.onnx");

        var (code, stdout, stderr) = CliHarness.Run("quantize", Fixtures.SileroVadLegacy, "-o", output, "--type", "int8", "--calib", "random:4");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("--bind", line, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }
}
