using EdgeOpt.Cli;
using EdgeOpt.Tests.BadInput;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Safety;

/// <summary>
/// A real <c>edgeopt</c> process interrupted mid-write (SIGINT, SIGTERM) removes its temps, says "interrupted; nothing
/// written" and exits 130/143; a temp left by SIGKILL is recognisable and removed by the next write into that folder;
/// an unwritable output is exit 2 naming the user's path, never a temp.
/// </summary>
public sealed class InterruptedWriteTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string[] Temps() => Directory.GetFileSystemEntries(_dir.Path, "*edgeopt-tmp*");

    public static TheoryData<string, int, int> Signals => new()
    {
        { "progressive", CliProcess.SigInt, ExitCodes.Interrupted },
        { "progressive", CliProcess.SigTerm, ExitCodes.Terminated },
        { "web", CliProcess.SigInt, ExitCodes.Interrupted },
        { "web", CliProcess.SigTerm, ExitCodes.Terminated },
    };

    [Theory]
    [MemberData(nameof(Signals))]
    public void A_signal_mid_write_removes_the_temp_and_exits_with_the_signal_code(string command, int signal, int expectedCode)
    {
        var output = _dir.File(command);
        // 4 KiB chunks: ResNet18's 45 MB become thousands of files, so the write lasts long enough to be caught in progress
        // (a single-file write such as optimize's can finish between two polls, which would make the test flaky).
        string[] args = command == "web"
            ? ["web", Fixtures.ResNet18, "-o", output, "--backend", "wasm", "--progressive", "--chunk-size", "4KiB"]
            : ["progressive", Fixtures.ResNet18, "-o", output, "--chunk-size", "4KiB"];
        using var cli = CliProcess.Start(args);

        Assert.True(cli.WaitUntil(() => Temps().Length > 0), "the temp never appeared: the write finished before it could be interrupted");
        cli.Signal(signal);
        var (code, stdout, stderr) = cli.WaitForExit();

        Assert.Equal(expectedCode, code);
        Assert.Equal("interrupted; nothing written", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("", stdout);
        Assert.Empty(Temps());
        Assert.False(Path.Exists(output));
    }

    [Fact]
    public void A_temp_left_by_sigkill_is_removed_by_the_next_write_there()
    {
        var output = _dir.File("package");
        using (var cli = CliProcess.Start("progressive", Fixtures.ResNet18, "-o", output, "--chunk-size", "4KiB"))
        {
            Assert.True(cli.WaitUntil(() => Temps().Length > 0), "the temp never appeared");
            cli.Signal(CliProcess.SigKill);
            cli.WaitForExit();
        }
        var stale = Assert.Single(Temps());
        Assert.Matches(@"^\.package\.edgeopt-tmp-[0-9]+-[0-9a-f]{32}$", Path.GetFileName(stale));
        // Things that look alike but are not EdgeOpt's temps, and a temp of a live process (this one), must stay.
        var lookalikes = new[] { ".package.edgeopt-tmp-notes", "package.edgeopt-tmp-999999999-0123456789abcdef0123456789abcdef", ".x.tmp" }
            .Select(_dir.File).Append(_dir.File($".other.edgeopt-tmp-{Environment.ProcessId}-0123456789abcdef0123456789abcdef")).ToList();
        foreach (var file in lookalikes) File.WriteAllText(file, "not stale");

        var (code, _, stderr) = CliHarness.Run("optimize", Fixtures.ResNet18, "-o", _dir.File("m.onnx"));

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.False(Path.Exists(stale));
        foreach (var file in lookalikes) Assert.Equal("not stale", File.ReadAllText(file));
    }

    public static TheoryData<string> Unwritable => new() { "/proc/edgeopt-test.onnx", "/sys/edgeopt-test.onnx" };

    [Theory]
    [MemberData(nameof(Unwritable))]
    public void An_unwritable_output_names_the_users_path(string output)
    {
        foreach (var args in new[]
        {
            new[] { "optimize", Fixtures.ResNet18, "-o", output },
            new[] { "convert", Fixtures.ResNet18, "-o", output },
            new[] { "progressive", Fixtures.ResNet18, "-o", output + ".pkg" },
        })
        {
            var (code, stdout, stderr) = CliHarness.Run(args);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(ExitCodes.Usage, code);
            Assert.StartsWith("error: cannot write '" + (args[0] == "progressive" ? output + ".pkg" : output) + "'", line, StringComparison.Ordinal);
            Assert.DoesNotContain("edgeopt-tmp", line, StringComparison.Ordinal);
            Assert.DoesNotContain(".tmp", line, StringComparison.Ordinal);
            Assert.Equal("", stdout);
        }
    }

    [Fact]
    public void A_missing_parent_folder_is_named()
    {
        var before = FolderSnapshot.Take(_dir.Path);
        var output = Path.Combine(_dir.Path, "no-such-folder", "m.onnx");
        var (code, _, stderr) = CliHarness.Run("optimize", Fixtures.ResNet18, "-o", output);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(Path.Combine(_dir.Path, "no-such-folder"), Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }
}
