namespace EdgeOpt.Passes;

/// <summary>What every pass may consult while running: the cancellation token and a place for notes. Settings of a pass are its constructor's.</summary>
public sealed class PassContext
{
    public PassContext(CancellationToken cancellation = default)
    {
        Cancellation = cancellation;
    }

    public CancellationToken Cancellation { get; }

    /// <summary>Human-readable notes (e.g. why a fold was skipped); shown with --verbose.</summary>
    public List<string> Notes { get; } = [];

    public void Note(string pass, string message) => Notes.Add($"{pass}: {message}");
}
