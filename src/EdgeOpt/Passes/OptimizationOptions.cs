using System.Globalization;
using EdgeOpt.Onnx;

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

    /// <summary>
    /// Every problem with these options, all at once (empty: they can work): unknown pass names, a target opset outside
    /// <see cref="OpsetConverter.MinTargetOpset"/>..<see cref="OpsetConverter.MaxTargetOpset"/>, a fixed shape with a dim
    /// below 1, an empty binding, no rounds, a negative fold limit. What depends on the model (an input that does not
    /// exist, dims that contradict it, a value that does not fit the input's type) is checked by the passes.
    /// <see cref="ModelOptimizer.Optimize"/>, <see cref="PassManager.FromOptions"/> and <see cref="PassRegistry.Select"/> refuse through it.
    /// </summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (!Enum.IsDefined(Level)) problems.Add(new($"{{0}} {(int)Level}: expected Basic or Extended", Name(nameof(Level))));
        var known = PassRegistry.Names;
        var valid = string.Join(", ", known);
        foreach (var (member, names) in new[] { (nameof(Passes), Passes ?? []), (nameof(SkipPasses), SkipPasses) })
            foreach (var pass in names.Where(n => !known.Contains(n, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal))
                problems.Add(new($"{{0}}: unknown pass '{pass}'; valid passes: {valid}", Name(member)));
        if (TargetOpset is { } target and (< OpsetConverter.MinTargetOpset or > OpsetConverter.MaxTargetOpset))
            problems.Add(new($"{{0}}: target opset {target} is out of range: EdgeOpt converts to opsets {OpsetConverter.MinTargetOpset} to {OpsetConverter.MaxTargetOpset}", Name(nameof(TargetOpset))));
        foreach (var (input, dims) in FixedShapes)
            if (FixedShapeProblem(input, dims) is { } problem) problems.Add(problem);
        foreach (var (input, text) in Bindings)
            if (BindingProblem(input, text) is { } problem) problems.Add(problem);
        if (MaxIterations < 1) problems.Add(new($"{{0}} is {MaxIterations}: expected at least 1 round", Name(nameof(MaxIterations))));
        if (FoldSizeLimitBytes < 0) problems.Add(new($"{{0}} is {FoldSizeLimitBytes}: expected 0 or more bytes", Name(nameof(FoldSizeLimitBytes))));
        return problems;

    }

    /// <summary>The rule for one <see cref="FixedShapes"/> entry (also applied by <see cref="FixInputShapes"/> when built directly): every dim at least 1.</summary>
    internal static OptionProblem? FixedShapeProblem(string input, long[] dims)
    {
        var at = Array.FindIndex(dims, d => d < 1);
        return at < 0 ? null : new($"{{0}} '{input}={string.Join("x", dims.Select(d => d.ToString(CultureInfo.InvariantCulture)))}': dim {at} is {dims[at]}; sizes must be positive", Name(nameof(FixedShapes)));
    }

    /// <summary>The rule for one <see cref="Bindings"/> entry (also applied by <see cref="BindInputs"/> when built directly): a name and a value, no empty list item.</summary>
    internal static OptionProblem? BindingProblem(string input, string text) =>
        input.Trim().Length > 0 && text.Trim().Length > 0 && text.Split(',').All(i => i.Trim().Length > 0)
            ? null
            : new($"{{0}} '{input}={text}': expected NAME=VALUE with a value or a comma-separated list of values", Name(nameof(Bindings)));

    private static string Name(string member) => $"{nameof(OptimizationOptions)}.{member}";
}
