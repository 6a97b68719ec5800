namespace EdgeOpt.Runtime;

/// <summary>Options for <see cref="RuntimeShapeInference.Infer"/>: the input shapes of the ONNX Runtime run.</summary>
public sealed record RuntimeShapeInferenceOptions
{
    public static RuntimeShapeInferenceOptions Default { get; } = new();

    /// <summary>Concrete shapes for graph inputs used by the runtime probe (by input name); overrides free dims.</summary>
    public IReadOnlyDictionary<string, long[]>? InputShapes { get; init; }

    /// <summary>Size the runtime probe gives to symbolic or unknown input dims not set by <see cref="InputShapes"/>.</summary>
    public long FreeDimDefault { get; init; } = 1;
}
