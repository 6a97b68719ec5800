namespace EdgeOpt.Passes;

/// <summary>
/// A pass failed in a way that is not one of EdgeOpt's typed errors: an unexpected exception inside it (kept as
/// <see cref="Exception.InnerException"/>) or a broken graph invariant after it. Typed errors (usage, unsupported
/// operator, …) keep their own type when a pass raises them; this one is an internal failure (CLI exit 1).
/// </summary>
public sealed class PassFailedException : EdgeOptException
{
    public PassFailedException(string pass, string message, Exception? inner = null)
        : base(message, inner!)
    {
        Pass = pass;
    }

    public PassFailedException(string message) : base(message) { }
    public PassFailedException(string message, Exception inner) : base(message, inner) { }
    public PassFailedException() { }

    /// <summary>The name of the pass that failed; empty when not known.</summary>
    public string Pass { get; } = "";
}
