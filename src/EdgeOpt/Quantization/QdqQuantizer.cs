using EdgeOpt.Onnx;
using EdgeOpt.Quantization.Qdq;

namespace EdgeOpt.Quantization;

/// <summary>
/// Static INT8 quantization in ONNX's QDQ form, placed so ONNX Runtime's CPU provider fuses it into integer kernels
/// (QLinearConv, QGemm, QLinearMatMul, ...). Two steps, plan then apply:
/// <code>
/// var plan = QdqQuantizer.CreatePlan(model, ranges, new QdqOptions());  // nothing changes yet
/// plan.Save("plan.json");                                                // review, edit, keep
/// var report = QdqQuantizer.Apply(model, plan);                          // mutates the model
/// </code>
/// The model must be optimized first (<see cref="Passes.ModelOptimizer"/>, BatchNormalization folded) and use opset
/// 10 or later (13 for per-channel weights). Weights are int8 symmetric (per output channel: Conv axis 0, ConvTranspose
/// axis 1, Gemm axis 0 with transB = 1 else 1, MatMul axis 1); biases int32 with scale = input scale × weight scale,
/// zero point 0; activations uint8 asymmetric by default. A Relu, or a Clip with constant bounds that contain its
/// calibrated range (Relu6), after a quantized op is folded into that op's output range.
/// Graph outputs stay float.
/// </summary>
public static class QdqQuantizer
{
    /// <summary>Decides every tensor's quantization from the activation ranges (by tensor name) without changing the model.</summary>
    /// <exception cref="UsageException">
    /// An excluded node does not exist, nothing is quantizable, a needed tensor has no range, the model still has
    /// BatchNormalization, or its opset is too old.
    /// </exception>
    public static QuantizationPlan CreatePlan(Model model, IReadOnlyDictionary<string, TensorRange> activationRanges, QdqOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(activationRanges);
        return new QdqPlanner(model, activationRanges, options ?? QdqOptions.Default).Run();
    }

    /// <summary>
    /// The compute nodes (Conv, Gemm, MatMul, Add, ...) that <see cref="CreatePlan"/> would quantize with these
    /// options, by plan key (node name, or first output name when unnamed), in topological order. Needs no ranges.
    /// </summary>
    /// <exception cref="UsageException">The same model and option errors as <see cref="CreatePlan"/>, nothing quantizable included.</exception>
    public static IReadOnlyList<string> QuantizableNodes(Model model, QdqOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return QdqPlanner.CheckQuantizable(model, options ?? QdqOptions.Default);
    }

    /// <summary>
    /// Applies <paramref name="plan"/> to <paramref name="model"/> in place (converting it to opset 13 first when per-channel
    /// entries need it). The same plan on the same model always gives the same bytes.
    /// </summary>
    /// <exception cref="UsageException">The plan names a tensor or node the model does not have.</exception>
    public static QdqReport Apply(Model model, QuantizationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        try
        {
            return new QdqRewriter(model, plan).Run();
        }
        catch (EdgeOptException e) when (e.Message.Any(FileText.BreaksLine))
        {
            // A loaded plan's names come from its file: escape control characters so an error stays one line.
            throw FileText.OneLine(e);
        }
    }
}

/// <summary>How <see cref="QdqQuantizer.CreatePlan"/> quantizes.</summary>
public sealed record QdqOptions
{
    /// <summary>The defaults: uint8 asymmetric activations, per-channel int8 weights, nothing excluded.</summary>
    public static QdqOptions Default { get; } = new();

    /// <summary>One weight scale per output channel (needs opset 13); keeps layers with uneven channels accurate.</summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>
    /// <see cref="QuantizedPrecision.UInt8"/> (the default, ORT's fast u8×s8 path on x86) or <see cref="QuantizedPrecision.Int8"/>.
    /// </summary>
    public QuantizedPrecision ActivationType { get; init; } = QuantizedPrecision.UInt8;

    /// <summary>Symmetric activation ranges (zero point in the middle); Relus are then kept rather than folded.</summary>
    public bool SymmetricActivations { get; init; }

    /// <summary>Node names to keep in float; a name no node has is a usage error.</summary>
    public IReadOnlyCollection<string> ExcludedNodes { get; init; } = [];

    /// <summary>Operators to keep in float (e.g. <c>Add</c>); names that do not occur are ignored.</summary>
    public IReadOnlyCollection<string> ExcludedOpTypes { get; init; } = [];

    /// <summary>How the ranges were calibrated, recorded in the plan.</summary>
    public string CalibrationMethod { get; init; } = "minmax";

    /// <summary>How many samples the ranges came from, recorded in the plan.</summary>
    public int CalibrationSamples { get; init; }

    /// <summary>Tensor name → the method that chose its range (<see cref="Calibration.CalibrationResult.RangeMethods"/>), recorded per plan entry.</summary>
    public IReadOnlyDictionary<string, string>? RangeMethods { get; init; }
}

/// <summary>What <see cref="QdqQuantizer.Apply"/> did.</summary>
/// <param name="QuantizedTensors">Plan entries carried out (weights, biases and activations).</param>
/// <param name="QuantizeLinearNodes">QuantizeLinear nodes inserted (one per quantized activation).</param>
/// <param name="DequantizeLinearNodes">DequantizeLinear nodes inserted.</param>
/// <param name="FoldedActivations">Relu and Clip nodes removed into their producer's quantization.</param>
/// <param name="ExcludedNodes">Nodes left in float.</param>
/// <param name="FloatConstantBytes">Bytes of the float weights and biases that were replaced.</param>
/// <param name="QuantizedConstantBytes">Bytes of their integer replacements, scales and zero points included.</param>
public sealed record QdqReport(
    int QuantizedTensors, int QuantizeLinearNodes, int DequantizeLinearNodes,
    IReadOnlyList<string> FoldedActivations, IReadOnlyList<string> ExcludedNodes,
    long FloatConstantBytes, long QuantizedConstantBytes);
