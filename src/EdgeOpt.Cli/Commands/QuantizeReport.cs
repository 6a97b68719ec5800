using EdgeOpt.Quantization;
using EdgeOpt.Runtime;

namespace EdgeOpt.Cli.Commands;

/// <summary>What <c>edgeopt quantize</c> did, as printed in the table and as the <c>--json</c> object.</summary>
internal sealed record QuantizeReport(
    string Input,
    string Output,
    string Type,
    long BytesBefore,
    long BytesAfter,
    int NodesQuantized,
    IReadOnlyList<ExcludedNode> NodesExcluded,
    QuantizeCalibration? Calibration,
    string? PlanApplied,
    string? PlanSaved,
    string? ErrorReport,
    QuantizeEvaluation? Evaluation,
    QuantizeSearch? Search,
    QuantizeTimings Timings,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Size reduction in percent of the input file.</summary>
    public double SizeReductionPercent => BytesBefore == 0 ? 0 : 100.0 * (BytesBefore - BytesAfter) / BytesBefore;
}

/// <summary>Where the activation ranges came from.</summary>
/// <param name="RangeMethods">How many calibrated tensors got each method's range (auto: per-tensor winners).</param>
/// <param name="EqualizedPairs">Conv pairs rescaled by --equalize.</param>
/// <param name="BiasCorrected">Conv/Gemm nodes whose bias --bias-correction adjusted.</param>
internal sealed record QuantizeCalibration(string Data, string Method, int Samples, bool Representative,
    IReadOnlyDictionary<string, int> RangeMethods, IReadOnlyList<string> EqualizedPairs, IReadOnlyList<string> BiasCorrected);

/// <summary>The quantized model measured against the float input on the --eval data.</summary>
internal sealed record QuantizeEvaluation(string Data, EvaluationResult Result);

/// <summary>The accuracy-driven fallback search, when a target was given.</summary>
internal sealed record QuantizeSearch(
    string Metric, double RequiredAccuracy, bool TargetMet, bool BudgetExhausted, double FloatAccuracy, double InitialAccuracy,
    double FinalAccuracy, IReadOnlyList<string> FallbackNodes, IReadOnlyList<SearchStep> Steps, IReadOnlyList<NodeSensitivity> Sensitivity);

/// <summary>Wall time of each stage in milliseconds.</summary>
internal sealed record QuantizeTimings(
    double OptimizeMs, double CalibrationInferenceMs, double CalibrationStatisticsMs, double QuantizeMs,
    double SearchMs, double EvaluateMs, double ReportMs, double WriteMs, double TotalMs);
