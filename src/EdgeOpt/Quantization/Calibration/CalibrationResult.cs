namespace EdgeOpt.Quantization.Calibration;

/// <summary>The ranges <see cref="Calibrator"/> chose, with how much data and time it took.</summary>
/// <param name="Ranges">Value name → chosen float range, for every calibrated tensor.</param>
/// <param name="Samples">Input sets run through the model.</param>
/// <param name="Method">The method that chose the ranges.</param>
/// <param name="InferenceTime">Time spent in ONNX Runtime (all passes over the data).</param>
/// <param name="StatisticsTime">Time spent folding activations into min/max and histograms and choosing ranges.</param>
public sealed record CalibrationResult(
    IReadOnlyDictionary<string, TensorRange> Ranges,
    int Samples,
    CalibrationMethod Method,
    TimeSpan InferenceTime,
    TimeSpan StatisticsTime);
