namespace EdgeOpt.Runtime;

/// <summary>
/// Accuracy of a classifier on a labelled image set, with latency measured on <see cref="MeasuredOn"/>.
/// Latency counts only ONNX Runtime's <c>Run</c> calls (no pre-processing), after the warm-up runs.
/// </summary>
/// <param name="Samples">Images evaluated.</param>
/// <param name="Classes">Scores per image in the model's output.</param>
/// <param name="Top1">Fraction of images whose label has the highest score.</param>
/// <param name="Top5">Fraction whose label is among the five highest scores; null when the model has five classes or fewer.</param>
/// <param name="BatchSize">Images per run (from the model's batch dimension, or the options when it is symbolic).</param>
/// <param name="Batches">Runs measured.</param>
/// <param name="MeanBatchLatencyMs">Mean wall time of one run, in milliseconds.</param>
/// <param name="MeanItemLatencyMs">Total run time divided by <see cref="Samples"/>, in milliseconds.</param>
/// <param name="InputName">The input the images were fed to.</param>
/// <param name="OutputName">The output read as class scores.</param>
/// <param name="MeasuredOn">The host the latency was measured on.</param>
public sealed record ClassificationResult(
    int Samples,
    int Classes,
    double Top1,
    double? Top5,
    int BatchSize,
    int Batches,
    double MeanBatchLatencyMs,
    double MeanItemLatencyMs,
    string InputName,
    string OutputName,
    HostDescription MeasuredOn)
{
    /// <summary>Images per second implied by <see cref="MeanItemLatencyMs"/>.</summary>
    public double ItemsPerSecond => MeanItemLatencyMs > 0 ? 1000.0 / MeanItemLatencyMs : 0;
}
