namespace EdgeOpt.Deployment;

/// <summary>The precision dimension of the deploy search: how a candidate's weights and compute are stored.</summary>
public enum CandidatePrecision
{
    /// <summary>The model as given (float32), after graph optimization.</summary>
    Fp32,

    /// <summary>Float16 weights and compute.</summary>
    Fp16,

    /// <summary>Static INT8 (QDQ), activations calibrated on the data (calibration method auto).</summary>
    Int8Static,

    /// <summary>INT8 weights, activations quantized at run time.</summary>
    Int8Dynamic,

    /// <summary>Block-wise 4-bit MatMul weights (MatMulNBits); activations stay float.</summary>
    Int4WeightOnly,

    /// <summary>Static INT8 with the most sensitive layers left in float until the accuracy target is met (the accuracy search).</summary>
    Mixed,
}
