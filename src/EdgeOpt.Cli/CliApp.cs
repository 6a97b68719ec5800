using System.CommandLine;
using System.CommandLine.Help;
using EdgeOpt.Cli.Commands;

namespace EdgeOpt.Cli;

/// <summary>Builds the <c>edgeopt</c> command tree. Commands only parse, call the library and render.</summary>
public static class CliApp
{
    /// <summary>Shown by every command; prints stack traces for unexpected errors.</summary>
    internal static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Show details of errors (stack traces) and extra logging on stderr",
        Recursive = true,
    };

    public static Command BuildRoot()
    {
        // A plain Command named "edgeopt" (RootCommand would take the assembly's file name).
        var root = new Command("edgeopt", "EdgeOpt: make ONNX models small, fast and shippable on edge devices, and say what they cost there.");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        root.Options.Add(Verbose);
        foreach (var command in Commands()) root.Subcommands.Add(command);
        return root;
    }

    // One line per command; each command lives in Commands/<Name>Command.cs.
    private static IEnumerable<Command> Commands() =>
    [
        DemoCommand.Create(),
        InspectCommand.Create(),
        ConvertCommand.Create(),
        OptimizeCommand.Create(),
        QuantizeCommand.Create(),
        EvaluateCommand.Create(),
        DevicesCommand.Create(),
        CompatCommand.Create(),
        BenchmarkCommand.Create(),
        EstimateCommand.Create(),
        ProgressiveCommand.Create(),
        WebCommand.Create(),
        ServeCommand.Create(),
    ];

    /// <summary>The process entry point: as <see cref="Run"/>, and Ctrl+C/SIGTERM remove temporary outputs and exit 130/143.</summary>
    internal static int RunProcess(string[] args)
    {
        CommandRunner.HandleSignals = true;
        return Run(args);
    }

    /// <summary>Runs the CLI; returns the process exit code (0 ok, 1 failure, 2 bad input or usage, 3 constraints not met; 130/143 interrupted).</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = stdout ?? Console.Out;
        var error = stderr ?? Console.Error;
        var root = BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) error.WriteLine($"error: {e.Message}");
            error.WriteLine("Run 'edgeopt --help' (or 'edgeopt <command> --help') for usage.");
            return ExitCodes.Usage;
        }
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
    }
}

/// <summary>Process exit codes shared by every command.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int ConstraintsNotMet = 3;

    /// <summary>Interrupted by Ctrl+C (SIGINT); temporary outputs removed.</summary>
    public const int Interrupted = 130;

    /// <summary>Terminated by SIGTERM; temporary outputs removed.</summary>
    public const int Terminated = 143;
}
