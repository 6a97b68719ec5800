namespace EdgeOpt.Passes;

/// <summary>Every pass EdgeOpt has, in the order the optimizer runs them; looked up by name from the CLI.</summary>
public static class PassRegistry
{
    // One line per pass, each given only its own settings; each pass lives in its own file in this folder.
    private static readonly Func<OptimizationOptions, IGraphPass>[] Factories =
    [
        o => new FixInputShapes(o.FixedShapes),
        o => new BindInputs(o.Bindings),
        _ => new RemoveInitializerInputs(),
        _ => new EliminateIdentity(),
        _ => new EliminateDropout(),
        _ => new EliminateNoOps(),
        _ => new EliminateDuplicateCasts(),
        o => new FoldConstants(o.FoldSizeLimitBytes),
        _ => new InlineConstantIf(),
        _ => new FuseConvBatchNorm(),
        _ => new FuseGemmBatchNorm(),
        _ => new FuseConvScaleBias(),
        _ => new FuseMatMulAdd(),
        _ => new FuseConsecutiveTransposes(),
        _ => new FuseReshapeChains(),
        _ => new DecomposeBatchNorm(),
        _ => new CommonSubexpressionElimination(),
        _ => new RemoveDeadNodes(),
        _ => new RemoveUnusedInitializers(),
    ];

    private static readonly OptimizationOptions Defaults = new();

    /// <summary>All passes in run order, with default settings.</summary>
    public static IReadOnlyList<IGraphPass> All => Factories.Select(f => f(Defaults)).ToList();

    /// <summary>The names of all passes, for help text and error messages.</summary>
    public static IReadOnlyList<string> Names => All.Select(p => p.Name).ToList();

    /// <summary>The passes chosen by <paramref name="options"/> (level, explicit list, skip list), in run order, each configured from its options.</summary>
    /// <exception cref="InvalidOptionsException">The options cannot work (<see cref="OptimizationOptions.Validate"/>), e.g. an unknown pass name.</exception>
    public static IReadOnlyList<IGraphPass> Select(OptimizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowHelper.IfInvalid(options.Validate());
        var all = Factories.Select(f => f(options)).ToList();
        IEnumerable<IGraphPass> chosen = options.Passes is { } explicitList
            ? all.Where(p => explicitList.Contains(p.Name))
            : all.Where(p => p.Level <= options.Level);
        return chosen.Where(p => !options.SkipPasses.Contains(p.Name)).ToList();
    }
}
