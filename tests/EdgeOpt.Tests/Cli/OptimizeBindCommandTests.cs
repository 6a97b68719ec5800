using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.BadInput;
using EdgeOpt.Tests.ControlFlow;
using EdgeOpt.Tests.Passes;

namespace EdgeOpt.Tests.Cli;

/// <summary><c>edgeopt optimize --bind</c>: parsing, the report, a real model, and every refusal (exit 2, one line, nothing written).</summary>
public class OptimizeBindCommandTests
{
    [Fact]
    public void Bind_sr_on_Silero_legacy_writes_an_If_free_model_that_scores_speech_as_the_original()
    {
        using var dir = new TempDir();
        var output = dir.File("vad.16k.onnx");

        var (code, stdout, stderr) = CliHarness.Run("optimize", Fixtures.SileroVadLegacy, "-o", output, "--bind", "sr=16000", "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("16000", json.RootElement.GetProperty("bindings").GetProperty("sr").GetString());
        var rows = json.RootElement.GetProperty("passes").EnumerateArray().ToDictionary(r => r.GetProperty("pass").GetString()!);
        Assert.Equal(1, rows["bind-inputs"].GetProperty("changes").GetInt32());
        Assert.True(rows["inline-constant-if"].GetProperty("changes").GetInt32() >= 1);
        using (var optimized = Model.Load(output))
        {
            Assert.DoesNotContain(optimized.Graph.AllNodes(), n => n.OpType == "If");
            Assert.DoesNotContain(optimized.Graph.Inputs, v => v.Name == "sr");
        }
        SileroBindTests.AssertSameSpeechProbabilities(Fixtures.SileroVadLegacy, output);
    }

    [Fact]
    public void Several_bindings_in_one_flag_and_a_list_for_a_1D_input_show_in_the_table()
    {
        using var dir = new TempDir();
        var input = ControlFlowTestModels.ScaleAndOffset().SaveTo(dir.File("in.onnx"));
        var output = dir.File("out.onnx");

        var (code, stdout, stderr) = CliHarness.Run("optimize", input, "-o", output, "--bind", "scale=1,2,3,offset=0.5");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Contains("scale = 1,2,3", stdout, StringComparison.Ordinal);
        Assert.Contains("offset = 0.5", stdout, StringComparison.Ordinal);
        using var optimized = Model.Load(output);
        Assert.Equal(["x"], optimized.Graph.Inputs.Select(v => v.Name));
    }

    public static TheoryData<string[], string[]> Refusals => new()
    {
        { ["--bind", "mode"], ["--bind 'mode'", "NAME=VALUE"] },
        { ["--bind", "mode="], ["--bind 'mode='", "NAME=VALUE"] },
        { ["--bind", "=1"], ["--bind '=1'"] },
        { ["--bind", "mode=1", "--bind", "mode=0"], ["'mode' is given twice"] },
        { ["--bind", "sr=16000"], ["'sr'", "'x'", "'mode'"] },
        { ["--bind", "mode=sixteen"], ["--bind mode=sixteen", "'sixteen' is not an integer", "int64"] },
        { ["--bind", "mode=1,2"], ["--bind mode=1,2", "shape []", "1 value, not 2"] },
        { ["--bind", "mode=1e30"], ["'1e30' is not an integer"] },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_bad_binding_exits_2_with_one_line_and_writes_nothing(string[] extra, string[] expected)
    {
        using var dir = new TempDir();
        var input = ControlFlowTestModels.ModeSwitch().SaveTo(dir.File("in.onnx"));
        var before = FolderSnapshot.Take(dir.Path);

        var line = CliHarness.UsageErrorLine(CliHarness.Run(["optimize", input, "-o", dir.File("out.onnx"), .. extra]));

        foreach (var word in expected) Assert.Contains(word, line, StringComparison.Ordinal);
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }
}
