namespace EdgeOpt.Onnx;

/// <summary>Options for <see cref="ShapeInference.Infer"/>.</summary>
public sealed record ShapeInferenceOptions
{
    public static ShapeInferenceOptions Default { get; } = new();

    /// <summary>
    /// When static rules leave values unresolved, run the model once in ONNX Runtime on generated inputs and take
    /// the observed shapes (static, valid only for those input shapes). Off by default: it executes the model.
    /// </summary>
    public bool UseRuntimeFallback { get; init; }

    /// <summary>Concrete shapes for graph inputs used by the runtime probe (by input name); overrides free dims.</summary>
    public IReadOnlyDictionary<string, long[]>? InputShapes { get; init; }

    /// <summary>Size the runtime probe gives to symbolic or unknown input dims not set by <see cref="InputShapes"/>.</summary>
    public long FreeDimDefault { get; init; } = 1;
}
