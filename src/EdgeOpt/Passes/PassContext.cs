namespace EdgeOpt.Passes;

/// <summary>What passes may consult while running: options shared by all passes and a place for notes.</summary>
public sealed class PassContext
{
    public PassContext(OptimizationOptions? options = null, CancellationToken cancellation = default)
    {
        Options = options ?? new OptimizationOptions();
        Cancellation = cancellation;
    }

    public OptimizationOptions Options { get; }
    public CancellationToken Cancellation { get; }

    /// <summary>Human-readable notes (e.g. why a fold was skipped); shown with --verbose.</summary>
    public List<string> Notes { get; } = [];

    public void Note(string pass, string message) => Notes.Add($"{pass}: {message}");
}
