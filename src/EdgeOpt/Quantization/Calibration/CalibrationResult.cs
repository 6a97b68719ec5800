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
    TimeSpan StatisticsTime)
{
    /// <summary>
    /// Value name → the method whose range it got: <c>minmax</c>, <c>percentile-99.99</c>, <c>entropy</c>, <c>mse</c>, ...
    /// (for <see cref="CalibrationMethod.Auto"/> each tensor's winner; otherwise the one method for all).
    /// </summary>
    public IReadOnlyDictionary<string, string> RangeMethods { get; init; } = new Dictionary<string, string>();
}
