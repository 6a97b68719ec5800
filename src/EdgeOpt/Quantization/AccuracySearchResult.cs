using EdgeOpt.Onnx;

namespace EdgeOpt.Quantization;

/// <summary>
/// What <see cref="AccuracySearch.Run"/> found: the chosen model (the fewest float fallbacks meeting the target, or the
/// most accurate one evaluated when none did) and every measurement behind the choice. Accuracies are in percent.
/// Owns <see cref="Model"/>; dispose it when done.
/// </summary>
public sealed class AccuracySearchResult : IDisposable
{
    internal AccuracySearchResult(Model model, QuantizationPlan plan) => (Model, Plan) = (model, plan);

    /// <summary>The chosen mixed-precision model.</summary>
    public Model Model { get; }

    /// <summary>The plan <see cref="Model"/> was made with (the fallback nodes are in its excluded nodes).</summary>
    public QuantizationPlan Plan { get; }

    /// <summary>Whether <see cref="Model"/> reaches <see cref="RequiredAccuracy"/>.</summary>
    public bool TargetMet { get; internal init; }

    /// <summary>
    /// Throws <see cref="ConstraintException"/> (CLI exit code 3) when <see cref="Model"/> misses the target, saying by
    /// how much; <paramref name="writtenTo"/>: where the caller saved that best model anyway, for the message.
    /// </summary>
    public void ThrowIfTargetNotMet(string? writtenTo = null)
    {
        if (TargetMet) return;
        throw new ConstraintException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"accuracy target not met: the best model reaches {Accuracy:F2}% {Metric}, {RequiredAccuracy:F2}% required")
            + (BudgetExhausted ? " (time budget exhausted)" : "") + (writtenTo is null ? "" : $"; wrote that best model to {writtenTo}"));
    }

    /// <summary>Whether the time budget ran out before the search finished.</summary>
    public bool BudgetExhausted { get; internal init; }

    /// <summary><c>top-1 accuracy</c> (with labels) or <c>top-1 agreement with float</c>.</summary>
    public string Metric { get; internal init; } = "";

    /// <summary>The float model's accuracy (100 for agreement).</summary>
    public double FloatAccuracy { get; internal init; }

    /// <summary>The accuracy of the fully quantized model the search started from.</summary>
    public double InitialAccuracy { get; internal init; }

    /// <summary>The accuracy of <see cref="Model"/>.</summary>
    public double Accuracy { get; internal init; }

    /// <summary>The accuracy the target asks for.</summary>
    public double RequiredAccuracy { get; internal init; }

    /// <summary>Per candidate node, the accuracy with only that node quantized; most harmful first. Empty when no search was needed.</summary>
    public IReadOnlyList<NodeSensitivity> Sensitivity { get; internal init; } = [];

    /// <summary>Every model evaluated, in order (the fully quantized one first, with no fallback).</summary>
    public IReadOnlyList<SearchStep> Steps { get; internal init; } = [];

    /// <summary>
    /// The compute nodes <see cref="Model"/> keeps in float beyond those the quantization already excluded (any MaxPool or
    /// Resize re-quantizing their output falls back with them; <see cref="Plan"/> lists every excluded node).
    /// </summary>
    public IReadOnlyList<string> FallbackNodes { get; internal init; } = [];

    /// <summary>Wall time of the whole search.</summary>
    public TimeSpan Elapsed { get; internal init; }

    public void Dispose() => Model.Dispose();
}

/// <summary>How harmful quantizing one node is on its own.</summary>
/// <param name="Node">The node's plan key (name, or first output name when unnamed).</param>
/// <param name="OpType">Its operator.</param>
/// <param name="Accuracy">Accuracy (percent) with only this node quantized.</param>
/// <param name="Drop">Float accuracy minus <paramref name="Accuracy"/>, in percentage points.</param>
public sealed record NodeSensitivity(string Node, string OpType, double Accuracy, double Drop);

/// <summary>One model the search evaluated.</summary>
/// <param name="FallbackCount">How many of the most sensitive nodes were kept in float.</param>
/// <param name="FallbackNodes">Those nodes.</param>
/// <param name="Accuracy">Its accuracy, in percent.</param>
/// <param name="MeanLatencyMs">Its mean ONNX Runtime run time per sample.</param>
/// <param name="Met">Whether it reaches the target.</param>
public sealed record SearchStep(int FallbackCount, IReadOnlyList<string> FallbackNodes, double Accuracy, double MeanLatencyMs, bool Met);
