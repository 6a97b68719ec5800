using EdgeOpt.Onnx;

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

    /// <summary>Passed to <see cref="Onnx.ShapeInference.Infer"/>, which runs first and only adds value types to the model.</summary>
    public ShapeInferenceOptions? ShapeInference { get; init; }
}
