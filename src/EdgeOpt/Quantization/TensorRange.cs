namespace EdgeOpt.Quantization;

/// <summary>The observed (or chosen) float range of a tensor, from which a scale and zero point are derived.</summary>
public readonly record struct TensorRange(float Min, float Max)
{
    /// <summary>The range widened to include zero, as ONNX quantization requires (zero must be exactly representable).</summary>
    public TensorRange WithZero() => new(Math.Min(Min, 0f), Math.Max(Max, 0f));
}
