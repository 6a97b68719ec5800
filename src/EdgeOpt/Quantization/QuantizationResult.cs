using EdgeOpt.Onnx;
using EdgeOpt.Quantization.Calibration;

namespace EdgeOpt.Quantization;

/// <summary>What <see cref="Quantizer.Quantize"/> produced. Owns both models; dispose it when done.</summary>
public sealed class QuantizationResult : IDisposable
{
    internal QuantizationResult(Model model, Model floatModel, QuantizationType type)
    {
        Model = model;
        FloatModel = floatModel;
        Type = type;
        Options = new QuantizerOptions { Type = type };
    }

    /// <summary>The quantized model.</summary>
    public Model Model { get; }

    /// <summary>
    /// The float model the quantization was applied to: the input after optimization and any opset upgrade. Int8 plans
    /// refer to its tensor and node names; it is the reference for evaluation and the accuracy search.
    /// </summary>
    public Model FloatModel { get; }

    public QuantizationType Type { get; }

    /// <summary>The options the quantization ran with (the follow-up steps validate against them).</summary>
    public QuantizerOptions Options { get; internal set; } = new();

    /// <summary>Serialized size of the input model.</summary>
    public long BytesBefore { get; internal set; }

    /// <summary>Serialized size of <see cref="Model"/>.</summary>
    public long BytesAfter { get; internal set; }

    /// <summary><see cref="BytesAfter"/> / <see cref="BytesBefore"/>.</summary>
    public double SizeRatio => BytesBefore == 0 ? 1 : (double)BytesAfter / BytesBefore;

    /// <summary>Nodes now computing in the lower precision (Int8: quantized compute nodes; others: replaced or converted nodes).</summary>
    public int QuantizedNodes { get; internal set; }

    /// <summary>Candidate nodes left in float, with the reason.</summary>
    public IReadOnlyList<ExcludedNode> ExcludedNodes { get; internal set; } = [];

    /// <summary>Int8: the plan that was applied (calibrated, or the one given).</summary>
    public QuantizationPlan? Plan { get; internal set; }

    /// <summary>Int8 when calibrated: ranges, samples and time.</summary>
    public CalibrationResult? Calibration { get; internal set; }

    /// <summary>Int8 with <see cref="QuantizerOptions.Equalize"/>: the Conv pairs equalized ("first → second").</summary>
    public IReadOnlyList<string> EqualizedPairs { get; internal set; } = [];

    /// <summary>Int8 with <see cref="QuantizerOptions.BiasCorrection"/>: the Conv/Gemm nodes whose bias was corrected.</summary>
    public IReadOnlyList<string> BiasCorrectedNodes { get; internal set; } = [];

    /// <summary>Things the user should know (non-representative data, excluded nodes fused away, ...).</summary>
    public IReadOnlyList<string> Warnings { get; internal set; } = [];

    /// <summary>Time spent in the graph optimizer and opset conversion.</summary>
    public TimeSpan OptimizeTime { get; internal set; }

    /// <summary>Time spent planning and rewriting the graph (calibration excluded).</summary>
    public TimeSpan QuantizeTime { get; internal set; }

    /// <summary>Int8: what the QDQ rewrite did.</summary>
    public QdqReport? QdqReport { get; internal set; }

    /// <summary>Float16: what the conversion did.</summary>
    public Float16Report? Float16Report { get; internal set; }

    /// <summary>Int8Dynamic: what was replaced.</summary>
    public DynamicQuantizationReport? DynamicReport { get; internal set; }

    /// <summary>Int4: what was replaced.</summary>
    public Int4QuantizationReport? Int4Report { get; internal set; }

    /// <summary>Int8, Int8Dynamic and Int4: the embedding tables (Gathers over constant tables) quantized to 8 or 4 bits.</summary>
    public EmbeddingQuantizationReport? EmbeddingReport { get; internal set; }

    public void Dispose()
    {
        Model.Dispose();
        FloatModel.Dispose();
    }
}
