namespace EdgeOpt.Quantization;

/// <summary>
/// What goes with a <see cref="Quantizer"/> run, as far as <see cref="QuantizerOptions.Validate"/> needs to know: which
/// data it is given and which steps follow it (an <see cref="Quantization.AccuracySearch"/>, an error report, saving
/// the plan). Some options only make sense with some of these; <c>edgeopt quantize</c> checks its whole command line
/// this way before it reads the model.
/// </summary>
public sealed record QuantizationWorkflow
{
    /// <summary>Calibration data is given (the <c>calibration</c> argument of <see cref="Quantizer.Quantize"/>).</summary>
    public bool CalibrationData { get; init; }

    /// <summary>Evaluation data is given (for the accuracy search, evaluation or the error report).</summary>
    public bool EvaluationData { get; init; }

    /// <summary>The accuracy target of an <see cref="Quantization.AccuracySearch"/> that follows; null: none.</summary>
    public AccuracyTarget? AccuracyTarget { get; init; }

    /// <summary>The options of that search (or given without a target, which is a problem); null: none.</summary>
    public AccuracySearchOptions? AccuracySearch { get; init; }

    /// <summary>The applied plan is saved (<see cref="QuantizationPlan.Save"/>).</summary>
    public bool SavesPlan { get; init; }

    /// <summary>A per-tensor error report follows (<see cref="QuantizationDebugger"/>).</summary>
    public bool ErrorReport { get; init; }
}
