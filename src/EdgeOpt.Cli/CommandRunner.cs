using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeOpt.Cli;

/// <summary>
/// Runs a command body, mapping EdgeOpt's exceptions to exit codes and one-line messages on stderr
/// (a stack trace only with --verbose). Results go to stdout; progress and logs to stderr.
/// </summary>
internal static class CommandRunner
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// Set by the process entry point (not by in-process callers such as tests): commands then handle SIGINT/SIGTERM
    /// through <see cref="Interruption"/>.
    /// </summary>
    internal static bool HandleSignals { get; set; }

    /// <summary>
    /// Wires <paramref name="body"/> as the command's action with error handling. <paramref name="interruptible"/>: on
    /// SIGINT/SIGTERM remove temporary outputs and exit 130/143 (a command that handles the signals itself, like serve, passes false).
    /// </summary>
    public static void SetAction(Command command, Func<ParseResult, CommandContext, int> body, bool interruptible = true) =>
        command.SetAction(parse =>
        {
            var context = new CommandContext(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(CliApp.Verbose));
            using var interruption = interruptible && HandleSignals ? Interruption.Install(context.Error) : null;
            if (command.Name != "convert") NoteTfliteInputs(parse, context);
            var code = Execute(context, () => body(parse, context));
            if (Interruption.Interrupted) Interruption.WaitForExit();
            return code;
        });

    /// <summary>
    /// Says on stderr which model arguments are TensorFlow Lite files: the library converts them in memory (Model.Load,
    /// SessionFactory), and the user should know the command works on that conversion.
    /// </summary>
    private static void NoteTfliteInputs(ParseResult parse, CommandContext context)
    {
        foreach (var argument in parse.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>())
            foreach (var token in argument.Tokens)
                if (Onnx.Tflite.TfliteConverter.IsTflite(token.Value) && Converts(token.Value))
                    context.Error.WriteLine($"note: {token.Value} is a TensorFlow Lite model; it is converted to ONNX in memory " +
                        $"(edgeopt convert {token.Value} -o {Path.ChangeExtension(Path.GetFileName(token.Value), ".onnx")} keeps the ONNX file)");

        // A file that does not convert gets the command's one error line only (conversion is milliseconds per MB).
        static bool Converts(string path)
        {
            try
            {
                using var model = Onnx.Tflite.TfliteConverter.Convert(path);
                return true;
            }
            catch (EdgeOptException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Test hook, inert unless set: with <c>EDGEOPT_TEST_INTERNAL_ERROR=1</c> in the environment every command body fails
    /// with an unexpected exception, so tests can check how the CLI reports a bug (documented in docs/cli.md, "Exit codes").
    /// </summary>
    internal const string InternalErrorHook = "EDGEOPT_TEST_INTERNAL_ERROR";

    /// <summary>
    /// Runs <paramref name="body"/>; an exception that escapes becomes one "error: " line on stderr (the stack trace too
    /// with --verbose) and the code <see cref="ExitCodes.For"/> gives. Nothing escapes except while a signal is exiting the process.
    /// </summary>
    public static int Execute(CommandContext context, Func<int> body)
    {
        try
        {
            if (Environment.GetEnvironmentVariable(InternalErrorHook) == "1")
                throw new InvalidOperationException($"internal error injected by the {InternalErrorHook} test hook");
            return body();
        }
        catch (Exception) when (Interruption.Interrupted)
        {
            // The signal handler removed the temps and is exiting with 130/143; whatever failed since is not the user's concern.
            Interruption.WaitForExit();
            throw;
        }
        catch (Exception e)
        {
            // Options the library refused are named the way the command line names them (--block-size, not BlockSize).
            var message = (e is InvalidOptionsException invalid ? invalid.Format(OptionFlags.Name)
                : IsOutOfMemory(e) ? OutOfMemoryMessage
                : e.Message).ReplaceLineEndings(" ");
            context.Error.WriteLine(ExitCodes.IsExpected(e) || IsOutOfMemory(e) ? $"error: {message}" : $"error: unexpected error: {message}");
            if (context.Verbose) context.Error.WriteLine(e.ToString());
            return ExitCodes.For(e);
        }
    }

    /// <summary>What a run that ran out of memory says instead of .NET's "Exception of type ... was thrown".</summary>
    internal const string OutOfMemoryMessage = "out of memory: this command needs more memory than the process may use "
        + "(a container or cgroup limit, ulimit -v, DOTNET_GCHeapHardLimit); no output was left half-written";

    /// <summary>
    /// Whether <paramref name="e"/> is memory running out, also when a parallel loop or a wrapper carries it inside
    /// (<see cref="AggregateException"/>, an inner exception).
    /// </summary>
    internal static bool IsOutOfMemory(Exception? e) => e switch
    {
        null => false,
        OutOfMemoryException => true,
        AggregateException a => a.InnerExceptions.Any(IsOutOfMemory),
        _ => IsOutOfMemory(e.InnerException),
    };

    /// <summary>Writes a result object as JSON to stdout.</summary>
    public static void WriteJson<T>(CommandContext context, T value) =>
        context.Output.WriteLine(JsonSerializer.Serialize(value, Json));
}

/// <summary>What a command body needs: where results and messages go, and whether to be verbose.</summary>
internal sealed record CommandContext(TextWriter Output, TextWriter Error, bool Verbose)
{
    /// <summary>A Spectre console writing to the result stream (human tables).</summary>
    public Spectre.Console.IAnsiConsole Console => _console ??= Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
    {
        Out = new Spectre.Console.AnsiConsoleOutput(Output),
        Ansi = ReferenceEquals(Output, System.Console.Out) ? Spectre.Console.AnsiSupport.Detect : Spectre.Console.AnsiSupport.No,
        ColorSystem = ReferenceEquals(Output, System.Console.Out) ? Spectre.Console.ColorSystemSupport.Detect : Spectre.Console.ColorSystemSupport.NoColors,
    });

    /// <summary>A Spectre console on stderr for progress and logs.</summary>
    public Spectre.Console.IAnsiConsole Log => _log ??= Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
    {
        Out = new Spectre.Console.AnsiConsoleOutput(Error),
        Ansi = ReferenceEquals(Error, System.Console.Error) ? Spectre.Console.AnsiSupport.Detect : Spectre.Console.AnsiSupport.No,
        ColorSystem = ReferenceEquals(Error, System.Console.Error) ? Spectre.Console.ColorSystemSupport.Detect : Spectre.Console.ColorSystemSupport.NoColors,
    });

    private Spectre.Console.IAnsiConsole? _console;
    private Spectre.Console.IAnsiConsole? _log;
}
