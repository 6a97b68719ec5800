namespace EdgeOpt.Cli.Commands;

/// <summary>Argument handling every model-in, model-out command shares, so they refuse the same mistakes the same way.</summary>
internal static class Arguments
{
    /// <summary>The model path from the positional MODEL or --input (exactly one of them).</summary>
    public static string ResolveInput(string? positional, string? option) => (positional, option) switch
    {
        (null, null) => throw new UsageException("missing input model: give MODEL or --input PATH"),
        ({ } p, null) => p,
        (null, { } o) => o,
        _ => throw new UsageException("the model was given twice: use either MODEL or --input, not both"),
    };

    /// <summary>Full input and output paths, refusing an output that is the input or lies in a missing folder.</summary>
    public static (string Input, string Output) InputAndOutput(string input, string output, string what)
    {
        var inputPath = Path.GetFullPath(input);
        var outputPath = Path.GetFullPath(output);
        if (string.Equals(inputPath, outputPath, StringComparison.Ordinal))
            throw new UsageException($"output '{output}' is the input model; write the {what} to another path");
        var outputFolder = Path.GetDirectoryName(outputPath)!;
        if (!Directory.Exists(outputFolder))
            throw new DirectoryNotFoundException($"output folder '{outputFolder}' does not exist");
        return (inputPath, outputPath);
    }

    /// <summary>
    /// Seconds given on the command line as a duration. Only what a <see cref="TimeSpan"/> cannot hold (NaN, infinity)
    /// is refused here; the rules on the value (e.g. positive) are the options record's.
    /// </summary>
    public static TimeSpan? Seconds(double? seconds, string flag) => seconds switch
    {
        null => null,
        { } s when double.IsFinite(s) && Math.Abs(s) < TimeSpan.MaxValue.TotalSeconds => TimeSpan.FromSeconds(s),
        { } s => throw new UsageException($"{flag} {s}: expected a positive number of seconds"),
    };

    /// <summary>Accepts both <c>--flag a,b</c> and <c>--flag a --flag b</c>.</summary>
    public static List<string> SplitNames(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();
}
