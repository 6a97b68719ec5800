using EdgeOpt.Cli;

namespace EdgeOpt.Tests.Safety;

/// <summary>
/// <c>edgeopt</c> on ResNet18 with the GC heap capped at 512 MB (<c>DOTNET_GCHeapHardLimit</c>; the cgroup and
/// <c>ulimit -v</c> runs are scripts/reliability/memory-limit.sh): it finishes, or fails with one error line and
/// leaves no output and no temps, never a crash.
/// </summary>
public sealed class MemoryLimitTests : IDisposable
{
    private const string HeapLimit = "DOTNET_GCHeapHardLimit=0x20000000";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Commands => ["inspect", "optimize", "progressive"];

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_command_under_a_512_MB_heap_finishes_or_fails_cleanly(string command)
    {
        var output = _dir.File(command == "progressive" ? "package" : "model.onnx");
        string[] args = command == "inspect" ? ["inspect", Fixtures.ResNet18] : [command, Fixtures.ResNet18, "-o", output];
        using var cli = CliProcess.StartWithEnvironment([HeapLimit], args);
        var (code, _, stderr) = cli.WaitForExit();

        if (code != 0)
        {
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("error: ", line, StringComparison.Ordinal);
            Assert.False(Path.Exists(output), "a failed run left its output");
        }
        else if (command != "inspect") Assert.True(Path.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path, "*edgeopt-tmp*"));
    }

    [Fact]
    public void Optimize_under_a_48_MB_heap_fails_with_one_out_of_memory_line_and_no_output()
    {
        // ResNet18's weights alone are 61 MiB: folding batch norms into them cannot fit, whatever the schedule.
        var output = _dir.File("model.onnx");
        using var cli = CliProcess.StartWithEnvironment(["DOTNET_GCHeapHardLimit=0x3000000"], "optimize", Fixtures.ResNet18, "-o", output);
        var (code, stdout, stderr) = cli.WaitForExit();

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("error: " + CommandRunner.OutOfMemoryMessage, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("", stdout);
        Assert.False(Path.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path, "*edgeopt-tmp*"));
    }
}
