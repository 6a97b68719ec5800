namespace EdgeOpt.Quantization.Calibration;

/// <summary>How <see cref="Calibrator"/> turns observed activations into a range per tensor.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum (optionally a moving average over samples). Keeps every outlier.</summary>
    MinMax,

    /// <summary>Cuts the rarest values: the range holding <see cref="CalibrationOptions.Percentile"/> % of the observations.</summary>
    Percentile,

    /// <summary>
    /// TensorRT's entropy calibration: the clipping threshold whose 128-level int8 quantization of the magnitude
    /// histogram loses the least information (smallest KL divergence).
    /// </summary>
    Entropy,

    /// <summary>
    /// Per tensor, the best of MinMax, the 99.9 / 99.99 / 99.999 percentiles, Entropy and the MSE-optimal clipping
    /// range, judged by the mean squared quantization error each causes at that tensor on the calibration data. One
    /// pass over the data (self-widening histograms); <see cref="CalibrationResult.RangeMethods"/> says which won where.
    /// </summary>
    Auto,
}
