namespace EdgeOpt.Passes;

/// <summary>
/// What one run of a pass did: how many rewrites it made (nodes removed, patterns fused, values folded, inputs fixed
/// or bound; the pass's summary says what it counts). Zero means the model is untouched. Free-text detail goes to
/// <see cref="PassContext.Note"/>; a pass with structured detail derives from this record.
/// </summary>
public record PassResult
{
    public PassResult(int rewrites)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rewrites);
        Rewrites = rewrites;
    }

    /// <summary>The result of a run that changed nothing.</summary>
    public static PassResult Unchanged { get; } = new(0);

    public int Rewrites { get; }

    public bool Changed => Rewrites > 0;

    /// <summary><see cref="Unchanged"/> for 0, else a result counting <paramref name="rewrites"/>.</summary>
    public static PassResult Of(int rewrites) => rewrites == 0 ? Unchanged : new PassResult(rewrites);
}
