namespace EdgeOpt.Passes;

/// <summary>Every pass EdgeOpt has, in the order the optimizer runs them; looked up by name from the CLI.</summary>
public static class PassRegistry
{
    // One line per pass; each pass lives in its own file in this folder.
    private static readonly Func<IGraphPass>[] Factories =
    [
        () => new FixInputShapes(),
        () => new BindInputs(),
        () => new RemoveInitializerInputs(),
        () => new EliminateIdentity(),
        () => new EliminateDropout(),
        () => new EliminateNoOps(),
        () => new EliminateDuplicateCasts(),
        () => new FoldConstants(),
        () => new InlineConstantIf(),
        () => new FuseConvBatchNorm(),
        () => new FuseGemmBatchNorm(),
        () => new FuseConvScaleBias(),
        () => new FuseMatMulAdd(),
        () => new FuseConsecutiveTransposes(),
        () => new FuseReshapeChains(),
        () => new DecomposeBatchNorm(),
        () => new CommonSubexpressionElimination(),
        () => new RemoveDeadNodes(),
        () => new RemoveUnusedInitializers(),
    ];

    /// <summary>All passes in run order.</summary>
    public static IReadOnlyList<IGraphPass> All => Factories.Select(f => f()).ToList();

    /// <summary>The names of all passes, for help text and error messages.</summary>
    public static IReadOnlyList<string> Names => All.Select(p => p.Name).ToList();

    /// <summary>The passes chosen by <paramref name="options"/> (level, explicit list, skip list), in run order.</summary>
    public static IReadOnlyList<IGraphPass> Select(OptimizationOptions options)
    {
        var all = All;
        var known = all.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in (options.Passes ?? []).Concat(options.SkipPasses))
            if (!known.Contains(name))
                throw new UsageException($"unknown pass '{name}'; valid passes: {string.Join(", ", all.Select(p => p.Name))}");
        IEnumerable<IGraphPass> chosen = options.Passes is { } explicitList
            ? all.Where(p => explicitList.Contains(p.Name))
            : all.Where(p => p.Level <= options.Level);
        return chosen.Where(p => !options.SkipPasses.Contains(p.Name)).ToList();
    }
}
