namespace EdgeOpt.Passes;

/// <summary>Options of the graph optimizer; the same record backs <c>edgeopt optimize</c> and the library API.</summary>
public sealed record OptimizationOptions
{
    /// <summary>Highest pass level to run.</summary>
    public PassLevel Level { get; init; } = PassLevel.Extended;

    /// <summary>Run only these passes (names), in registry order; null means every pass up to <see cref="Level"/>.</summary>
    public IReadOnlyList<string>? Passes { get; init; }

    /// <summary>Passes (names) to leave out.</summary>
    public IReadOnlyList<string> SkipPasses { get; init; } = [];

    /// <summary>Constant folding never creates a tensor larger than this many bytes (so folding cannot bloat the model).</summary>
    public long FoldSizeLimitBytes { get; init; } = FoldConstants.DefaultSizeLimitBytes;

    /// <summary>Symbolic input dims to fix before optimizing, by input name: e.g. <c>input → [1,3,224,224]</c>.</summary>
    public IReadOnlyDictionary<string, long[]> FixedShapes { get; init; } = new Dictionary<string, long[]>();

    /// <summary>
    /// Main-graph inputs to specialise to constants, by name: the value as text, typed and shaped by the input's
    /// declaration (<c>sr → "16000"</c>; a comma-separated list for a 1-D input). The input is removed and what
    /// depends on it is folded; an <c>If</c> whose condition becomes constant is inlined (see <see cref="BindInputs"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string> Bindings { get; init; } = new Dictionary<string, string>();

    /// <summary>Convert to this default-domain opset before optimizing; null keeps the model's.</summary>
    public int? TargetOpset { get; init; }

    /// <summary>Stop iterating passes after this many rounds even if something still changes.</summary>
    public int MaxIterations { get; init; } = 8;
}
