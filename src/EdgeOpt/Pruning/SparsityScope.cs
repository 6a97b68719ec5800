namespace EdgeOpt.Pruning;

/// <summary>Where unstructured pruning applies its sparsity.</summary>
public enum SparsityScope
{
    /// <summary>Every layer gets the same sparsity.</summary>
    PerLayer,

    /// <summary>One threshold over all pruned layers: layers with many small weights lose more.</summary>
    Global,
}
