namespace EdgeOpt.Fuzz;

/// <summary>
/// One fuzz target: a function from an input file's bytes to nothing. It returns normally when EdgeOpt accepted the
/// input or refused it the way it promises to (a typed <see cref="EdgeOptException"/>, or a
/// <see cref="FileNotFoundException"/> for a path that does not exist, with a one-line message); anything else escapes,
/// which is what afl-fuzz records as a crash.
/// </summary>
/// <param name="Name">The name <c>fuzz/run.sh</c> and the corpus folder (<c>fuzz/corpus/NAME</c>) use.</param>
/// <param name="Summary">What the harness drives, for <c>--list</c> and docs/reliability.md.</param>
/// <param name="Body">The target; typed refusals may escape it (<see cref="Run"/> sorts them out).</param>
public sealed record FuzzHarness(string Name, string Summary, Action<byte[]> Body)
{
    [ThreadStatic] private static FuzzOutcome? _outcome;

    /// <summary>Runs the target once: returns when the outcome is one EdgeOpt promises, throws otherwise.</summary>
    /// <returns>Which steps ran and which of them refused the input (with the messages).</returns>
    /// <exception cref="FuzzFindingException">A typed refusal whose message is not one line.</exception>
    public FuzzOutcome Run(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var outcome = _outcome = new FuzzOutcome();
        try
        {
            Expect(() => Body(input));
            return outcome;
        }
        finally
        {
            _outcome = null;
        }
    }

    /// <summary>
    /// Runs <paramref name="step"/>, treating a typed refusal as a normal outcome; harnesses use it to try several entry
    /// points on one input. Steps are numbered in the order they start (the whole body is step 0).
    /// </summary>
    public static void Expect(Action step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var index = _outcome?.Start() ?? -1;
        try
        {
            step();
        }
        catch (Exception e) when (IsTypedRefusal(e))
        {
            _outcome?.Refuse(index, $"{e.GetType().Name}: {e.Message}");
            if (e.Message.Length == 0 || e.Message.Any(IsLineBreak))
                throw new FuzzFindingException($"{e.GetType().Name} whose message is not one line: {e.Message}", e);
        }
    }

    /// <summary>The exceptions EdgeOpt raises on purpose for bad input (docs/architecture.md, "Safety limits").</summary>
    public static bool IsTypedRefusal(Exception e) => e is EdgeOptException or FileNotFoundException;

    private static bool IsLineBreak(char c) => c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029';
}

/// <summary>What one run of a harness did: how many steps started, and the typed refusals by step.</summary>
public sealed class FuzzOutcome
{
    private readonly List<(int Step, string Message)> _refusals = [];

    /// <summary>Steps started (0 is the harness body).</summary>
    public int Steps { get; private set; }

    /// <summary>Refusals in the order they happened.</summary>
    public IReadOnlyList<(int Step, string Message)> Refusals => _refusals;

    /// <summary>Every step accepted the input.</summary>
    public bool Accepted => _refusals.Count == 0;

    /// <summary>The steps that ran to the end without a refusal.</summary>
    public IEnumerable<int> PassedSteps => Enumerable.Range(0, Steps).Where(s => _refusals.All(r => r.Step != s));

    internal int Start() => Steps++;

    internal void Refuse(int step, string message) => _refusals.Add((step, message));
}

/// <summary>An outcome EdgeOpt does not promise that no exception of its own reveals (a message of several lines, a round trip that loses the model).</summary>
public sealed class FuzzFindingException : Exception
{
    public FuzzFindingException(string message) : base(message) { }
    public FuzzFindingException(string message, Exception inner) : base(message, inner) { }
    public FuzzFindingException() { }
}
