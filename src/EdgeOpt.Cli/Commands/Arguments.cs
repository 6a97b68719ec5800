using System.Globalization;

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

    /// <summary><c>90s</c>, <c>10m</c>, <c>1.5h</c>, <c>250ms</c>, a number of seconds, or <c>hh:mm:ss</c>; anything else is a usage error naming <paramref name="flag"/>. The sign is the options record's to judge.</summary>
    public static TimeSpan Duration(string text, string flag)
    {
        var t = text.Trim();
        if (t.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span)) return span;
        var (number, scale) = t switch
        {
            _ when t.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (t[..^2], 0.001),
            _ when t.EndsWith('s') || t.EndsWith('S') => (t[..^1], 1.0),
            _ when t.EndsWith('m') || t.EndsWith('M') => (t[..^1], 60.0),
            _ when t.EndsWith('h') || t.EndsWith('H') => (t[..^1], 3600.0),
            _ => (t, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value * scale > TimeSpan.MaxValue.TotalSeconds)
            throw new UsageException($"{flag} '{text}': expected a duration such as 90s, 10m, 1h or 00:10:00");
        return TimeSpan.FromSeconds(value * scale);
    }

    /// <summary>Accepts both <c>--flag a,b</c> and <c>--flag a --flag b</c>.</summary>
    public static List<string> SplitNames(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();
}
