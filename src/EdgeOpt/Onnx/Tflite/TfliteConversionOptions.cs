namespace EdgeOpt.Onnx.Tflite;

/// <summary>How <see cref="TfliteConverter"/> turns a .tflite file into an ONNX model.</summary>
public sealed record TfliteConversionOptions
{
    public static TfliteConversionOptions Default { get; } = new();

    /// <summary>
    /// Keep float16 weights as float16 initializers with a Cast to float32 (half the size, as in the .tflite file)
    /// instead of folding them to float32 (the default: no Cast nodes, and what ONNX Runtime's CPU kernels want).
    /// </summary>
    public bool KeepFloat16Weights { get; init; }

    /// <summary>The signature to convert (its <c>signature_key</c>, e.g. <c>serving_default</c>); null: the first subgraph.</summary>
    public string? Signature { get; init; }

    public IReadOnlyList<OptionProblem> Validate() => [];
}
