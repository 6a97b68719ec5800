namespace EdgeOpt.Quantization;

/// <summary>The number format <see cref="Quantizer"/> converts a float32 model to.</summary>
public enum QuantizationType
{
    /// <summary>Static INT8 in QDQ form: int8 weights, uint8/int8 activations with calibrated ranges (CNNs).</summary>
    Int8,

    /// <summary>
    /// Int8 MatMul/Gemm/Conv weights and embedding tables; activations quantized at run time from their own range
    /// (transformers, LSTMs).
    /// </summary>
    Int8Dynamic,

    /// <summary>Float16 weights and compute; about half the size, close to float32 accuracy.</summary>
    Float16,

    /// <summary>Block-wise 4-bit MatMul weights (ORT's MatMulNBits) and embedding tables (GatherBlockQuantized); activations stay float.</summary>
    Int4,
}
