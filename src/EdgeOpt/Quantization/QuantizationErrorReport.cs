using System.Text.Json;
using EdgeOpt.Quantization.Debugging;

namespace EdgeOpt.Quantization;

/// <summary>
/// Per-tensor quantization error of a static int8 quantization (what ONNX Runtime's <c>qdq_loss_debug</c> shows):
/// made by <see cref="QuantizationDebugger"/>, saved by <c>edgeopt quantize --report</c>. The tensor with the
/// lowest <see cref="TensorError.SqnrDb"/> is where the quantization hurts; a large drop of
/// <see cref="TensorError.AccumulatedSqnrDb"/> from one tensor to the next points at the node in between.
/// </summary>
public sealed record QuantizationErrorReport
{
    /// <summary>How many samples the activation figures come from.</summary>
    public int Samples { get; init; }

    /// <summary>One entry per quantized tensor, in plan order.</summary>
    public IReadOnlyList<TensorError> Tensors { get; init; } = [];

    /// <summary>The entry for tensor <paramref name="name"/>, or null.</summary>
    public TensorError? Find(string name) => Tensors.FirstOrDefault(t => t.Name == name);

    /// <summary>
    /// The report as indented camelCase JSON. A tensor without error has an SQNR of positive infinity, written as the
    /// string <c>"Infinity"</c> (the named-literal convention of the CLI's JSON output).
    /// </summary>
    public string ToJson() => JsonSerializer.Serialize(this, ErrorReportJsonContext.Default.QuantizationErrorReport);

    /// <summary>Parses a report written by <see cref="ToJson"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ModelFormatException">The text is not a quantization error report.</exception>
    public static QuantizationErrorReport FromJson(string json, string source = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(json);
        QuantizationErrorReport? report;
        try
        {
            report = JsonSerializer.Deserialize(json, ErrorReportJsonContext.Default.QuantizationErrorReport);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{source}: not a valid quantization error report: {e.Message}", e);
        }
        if (report is null) ThrowHelper.ModelFormat($"{source}: not a valid quantization error report: the JSON is null");
        // Generated deserialization leaves an absent init-only list null; absent means empty.
        return report! with { Tensors = report.Tensors ?? [] };
    }

    /// <summary>Writes the report as JSON atomically: a temporary sibling moved into place, so a failure leaves no partial file.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());
}
