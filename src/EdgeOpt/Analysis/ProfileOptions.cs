using EdgeOpt.Runtime;

namespace EdgeOpt.Analysis;

/// <summary>Options for <see cref="ModelProfile.Analyze"/>.</summary>
public sealed record ProfileOptions
{
    public static ProfileOptions Default { get; } = new();

    /// <summary>
    /// Sizes for symbolic dims (e.g. <c>N = 1</c>) used when costing nodes and sizing activations. A node whose
    /// shapes still contain an unbound symbol is reported as not counted, never as zero.
    /// </summary>
    public IReadOnlyDictionary<string, long>? DimensionValues { get; init; }

    /// <summary>How many of the largest tensors (weights and activations) to list.</summary>
    public int LargestTensorCount { get; init; } = 10;

    /// <summary>
    /// Shape inference runs first and only adds value types to the model; set this to observe in ONNX Runtime what static
    /// rules cannot derive (<see cref="RuntimeShapeInference"/>, which executes the model once). Null: static inference only.
    /// </summary>
    public RuntimeShapeInferenceOptions? RuntimeShapeFallback { get; init; }

    /// <summary>Every problem with these options, all at once (empty: they can work); <see cref="ModelProfile.Analyze"/> refuses through it.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (LargestTensorCount < 0)
            problems.Add(new($"{{0}} {LargestTensorCount}: expected zero or more tensors to list", Name(nameof(LargestTensorCount))));
        foreach (var (symbol, size) in DimensionValues ?? new Dictionary<string, long>())
            if (size <= 0) problems.Add(new($"{{0}} '{symbol}={size}': symbolic dim '{symbol}' must be given a positive size, got {size}", Name(nameof(DimensionValues))));
        return problems;

        static string Name(string member) => $"{nameof(ProfileOptions)}.{member}";
    }
}
