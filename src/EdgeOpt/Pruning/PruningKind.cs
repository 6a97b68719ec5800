namespace EdgeOpt.Pruning;

/// <summary>What <see cref="Pruner"/> removes.</summary>
public enum PruningKind
{
    /// <summary>Whole channels (Conv filters, Gemm/MatMul columns), with everything tied to them: a smaller, faster dense model.</summary>
    Structured,

    /// <summary>Individual weights set to zero (magnitude or N:M pattern): same shapes, a smaller compressed download.</summary>
    Unstructured,
}
