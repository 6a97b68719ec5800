using System.Text.Json;
using EdgeOpt.Cli;

namespace EdgeOpt.Tests.Cli;

/// <summary><c>edgeopt inspect</c> on control flow: per-branch figures in the table and in <c>--json</c>.</summary>
public class InspectControlFlowCommandTests
{
    [Fact]
    public void Json_lists_each_Silero_branch_with_its_MACs_and_the_totals_take_the_costlier()
    {
        var (code, stdout, stderr) = CliHarness.Run("inspect", Fixtures.SileroVadLegacy, "--dim", "batch=1", "--dim", "sequence=512", "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        var subgraphs = root.GetProperty("subgraphs").EnumerateArray().ToList();
        var top = subgraphs.Where(s => !s.GetProperty("node").GetString()!.Contains(" / ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, top.Count(s => s.GetProperty("opType").GetString() == "If"));
        Assert.All(subgraphs, s => Assert.Equal(1, s.GetProperty("iterations").GetInt64()));
        var taken = Assert.Single(top, s => s.GetProperty("inTotals").GetBoolean());
        Assert.Equal(top.Max(s => s.GetProperty("flops").GetInt64()), taken.GetProperty("flops").GetInt64());
        Assert.Equal(taken.GetProperty("macs").GetInt64(), root.GetProperty("macs").GetInt64());
        Assert.All(top, s => Assert.Equal(124, s.GetProperty("nodes").GetInt32()));
        Assert.Equal(0, root.GetProperty("unresolvedShapes").GetInt32());
        Assert.Equal(250, root.GetProperty("totalNodes").GetInt32());
    }

    [Fact]
    public void The_table_shows_the_subgraphs_and_Silero_legacy_at_one_chunk_costs_Conv_and_LSTM()
    {
        var (code, stdout, stderr) = CliHarness.Run("inspect", Fixtures.SileroVadLegacy, "--dim", "batch=1", "--dim", "sequence=512");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Contains("Subgraphs", stdout, StringComparison.Ordinal);
        Assert.Contains("then_branch", stdout, StringComparison.Ordinal);
        Assert.Contains("else_branch *", stdout, StringComparison.Ordinal);
        Assert.Contains("764,616", stdout, StringComparison.Ordinal); // the costlier (8 kHz) branch, also the MACs total
        Assert.Contains("689,640", stdout, StringComparison.Ordinal); // the 16 kHz branch (ControlFlowProfileTests derives it from the weights)
        Assert.DoesNotContain("Unresolved shapes", stdout, StringComparison.Ordinal);
        Assert.Matches(@"│ LSTM\s+│\s+2 │", stdout);
    }
}
