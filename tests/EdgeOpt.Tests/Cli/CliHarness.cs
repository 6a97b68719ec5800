using EdgeOpt.Cli;

namespace EdgeOpt.Tests.Cli;

/// <summary>Runs <c>edgeopt</c> in process, capturing stdout and stderr.</summary>
internal static class CliHarness
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Asserts a usage error as every command reports one (exit 2, nothing on stdout, one "error: " line) and returns that line.</summary>
    public static string UsageErrorLine((int Code, string Out, string Err) result)
    {
        Assert.True(result.Code == ExitCodes.Usage, $"exit {result.Code}: {result.Err}");
        Assert.Equal("", result.Out);
        var line = Assert.Single(result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        return line;
    }
}
