using EdgeOpt.Cli;

namespace EdgeOpt.Tests.BadInput;

/// <summary><c>edgeopt inspect</c> on every malformed input: exit code 2, one "error: " line on stderr, nothing on stdout.</summary>
public class CliBadInputTests
{
    public static TheoryData<string> Cases => MalformedModels.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Inspect_exits_with_2_and_one_error_line(string name)
    {
        var bad = MalformedModels.Get(name);
        using var dir = new TempDir();
        var path = bad.Create(dir.Path);
        var before = FolderSnapshot.Take(dir.Path);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = CliApp.Run(["inspect", path], stdout, stderr);

        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one stderr line, got:\n{stderr}");
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(" at EdgeOpt.", lines[0], StringComparison.Ordinal);
        foreach (var word in bad.Expected) Assert.Contains(word, lines[0], StringComparison.Ordinal);
        Assert.Equal("", stdout.ToString());
        Assert.Equal(ExitCodes.Usage, code);
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Inspect_json_fails_the_same_way(string name)
    {
        var bad = MalformedModels.Get(name);
        using var dir = new TempDir();
        var path = bad.Create(dir.Path);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = CliApp.Run(["inspect", path, "--json"], stdout, stderr);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout.ToString());
        var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
    }
}
