using EdgeOpt.Cli;
using EdgeOpt.Tests.BadInput;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Tflite;

/// <summary>
/// <c>edgeopt convert</c> and <c>edgeopt inspect</c> on every crafted .tflite file: exit code 2, one "error: " line on
/// stderr, nothing on stdout, no output file and the input byte-identical.
/// </summary>
public class TfliteCliBadInputTests
{
    public static TheoryData<string> Cases => TfliteBadFiles.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Convert_exits_2_with_one_error_line_and_writes_nothing(string name) => AssertRefused(name, "convert", "-o", "out.onnx");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Inspect_exits_2_with_one_error_line(string name) => AssertRefused(name, "inspect");

    private static void AssertRefused(string name, string command, params string[] options)
    {
        var bad = TfliteBadFiles.Get(name);
        using var dir = new TempDir();
        var path = dir.File("bad.tflite");
        File.WriteAllBytes(path, bad.Bytes());
        var before = FolderSnapshot.Take(dir.Path);

        var (code, stdout, stderr) = CliHarness.Run([command, path, .. options.Select(o => o.EndsWith(".onnx", StringComparison.Ordinal) ? dir.File(o) : o)]);

        Assert.True(code == ExitCodes.Usage, $"exit {code}: {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected error", line, StringComparison.Ordinal);
        foreach (var word in bad.Expected) Assert.Contains(word, line, StringComparison.Ordinal);
        Assert.Equal("", stdout);
        Assert.False(File.Exists(dir.File("out.onnx")));
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }
}
