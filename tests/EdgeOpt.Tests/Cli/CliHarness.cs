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
}
