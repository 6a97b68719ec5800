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
        PruneCommand.Create(),
        EvaluateCommand.Create(),
        DevicesCommand.Create(),
        CompatCommand.Create(),
        BenchmarkCommand.Create(),
        EstimateCommand.Create(),
        PowerCommand.Create(),
        MatrixCommand.Create(),
        DeployCommand.Create(),
        SweepCommand.Create(),
        WorkerCommand.Create(),
        PackageCommand.Create(),
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

    /// <summary>Runs the CLI; returns the process exit code (<see cref="ExitCodes"/>).</summary>
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

/// <summary>
/// Process exit codes shared by every command, and the one table from what went wrong to a code (<see cref="For"/>).
/// docs/cli.md ("Exit codes") documents the same table.
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>An internal error: a failure that is not the input's fault (I/O, ONNX Runtime, a bug).</summary>
    public const int Failure = 1;

    /// <summary>Bad input or usage: malformed model or data, an unsupported operator, bad or conflicting options, a missing file.</summary>
    public const int Usage = 2;

    /// <summary>A requested constraint (accuracy target, memory limit) cannot be met.</summary>
    public const int ConstraintsNotMet = 3;

    /// <summary>Interrupted by Ctrl+C (SIGINT); temporary outputs removed.</summary>
    public const int Interrupted = 130;

    /// <summary>Terminated by SIGTERM; temporary outputs removed.</summary>
    public const int Terminated = 143;

    /// <summary>The exit code for an exception a command let escape.</summary>
    public static int For(Exception e) => e switch
    {
        ConstraintException or Power.BatteryTargetException => ConstraintsNotMet,
        ModelFormatException or DataFormatException or UsageException or UnsupportedOperatorException
            or FileNotFoundException or DirectoryNotFoundException => Usage,
        _ => Failure,
    };

    /// <summary>
    /// Whether <paramref name="e"/> is a failure EdgeOpt reports on purpose (its message is meant for people); any other
    /// exception is a bug, reported as "unexpected error".
    /// </summary>
    internal static bool IsExpected(Exception e) =>
        e is EdgeOptException or IOException or UnauthorizedAccessException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException
            or OutOfMemoryException;
}
