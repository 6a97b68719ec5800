namespace EdgeOpt;

/// <summary>
/// Options that cannot work, found before any work starts: every problem at once, each naming the option and what
/// is allowed (<see cref="Problems"/>). A <see cref="UsageException"/>, so CLI exit code 2.
/// </summary>
public sealed class InvalidOptionsException : UsageException
{
    public InvalidOptionsException(IReadOnlyList<OptionProblem> problems) : base(Join(problems)) => Problems = problems;

    public InvalidOptionsException(string message) : base(message) => Problems = [];

    public InvalidOptionsException(string message, Exception inner) : base(message, inner) => Problems = [];

    public InvalidOptionsException() => Problems = [];

    /// <summary>Throws when <paramref name="problems"/> (an options record's <c>Validate()</c>) holds any.</summary>
    [System.Diagnostics.StackTraceHidden]
    public static void ThrowIfAny(IReadOnlyList<OptionProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count > 0) throw new InvalidOptionsException(problems);
    }

    /// <summary>What is wrong, in the order found; never empty when thrown by EdgeOpt.</summary>
    public IReadOnlyList<OptionProblem> Problems { get; }

    /// <summary>The problems in one line, each option spelled by <paramref name="name"/> (e.g. as a command-line flag).</summary>
    public string Format(Func<string, string> name) =>
        Problems.Count == 0 ? Message : string.Join("; ", Problems.Select(p => p.Format(name)));

    private static string Join(IReadOnlyList<OptionProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return string.Join("; ", problems.Select(p => p.Message));
    }
}
