using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeOpt.Quantization.Qdq;

namespace EdgeOpt.Quantization;

/// <summary>
/// What a static quantization will do, decided before anything changes: per tensor a precision, scale(s) and zero
/// point(s) (or float, with the reason). <see cref="QdqQuantizer.CreatePlan"/> computes it from calibration ranges,
/// <see cref="QdqQuantizer.Apply"/> carries it out; in between it can be saved, reviewed, edited and loaded again.
/// </summary>
public sealed record QuantizationPlan
{
    /// <summary>The plan format this build reads and writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Format version; <see cref="Load"/> refuses any other.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The graph name of the model the plan was made for (informational).</summary>
    public string ModelName { get; init; } = "";

    /// <summary>Integer type of quantized activations: <see cref="QuantizedPrecision.UInt8"/> or <see cref="QuantizedPrecision.Int8"/>.</summary>
    public QuantizedPrecision ActivationType { get; init; } = QuantizedPrecision.UInt8;

    /// <summary>Integer type of quantized weights (always symmetric <see cref="QuantizedPrecision.Int8"/>).</summary>
    public QuantizedPrecision WeightType { get; init; } = QuantizedPrecision.Int8;

    /// <summary>Whether weights carry one scale per output channel.</summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>Whether activation ranges were made symmetric around zero.</summary>
    public bool SymmetricActivations { get; init; }

    /// <summary>How the activation ranges were obtained (e.g. <c>minmax</c>), for the record.</summary>
    public string CalibrationMethod { get; init; } = "";

    /// <summary>How many calibration samples the ranges came from, for the record.</summary>
    public int CalibrationSamples { get; init; }

    /// <summary>Every tensor the plan decides on, in the order the quantizer handles them.</summary>
    public IReadOnlyList<TensorQuantization> Tensors { get; init; } = [];

    /// <summary>Nodes that stay in float, by name (or first output name when unnamed), with the reason.</summary>
    public IReadOnlyList<ExcludedNode> ExcludedNodes { get; init; } = [];

    /// <summary>
    /// Relu and Clip nodes removed because the quantization of their producer's output already clamps to their bounds
    /// (asymmetric activations only, as ONNX Runtime's QDQ quantizer does), keyed like <see cref="ExcludedNodes"/>.
    /// </summary>
    public IReadOnlyList<string> FoldedActivations { get; init; } = [];

    /// <summary>The entry for tensor <paramref name="name"/>, or null.</summary>
    public TensorQuantization? Find(string name) => Tensors.FirstOrDefault(t => t.Name == name);

    /// <summary>The plan as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, QuantizationPlanJsonContext.Default.QuantizationPlan);

    /// <summary>Parses a plan; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ModelFormatException">The text is not a plan of version <see cref="CurrentVersion"/>.</exception>
    public static QuantizationPlan FromJson(string json, string source = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(json);
        if (JsonLimits.Problem(json) is { } limit) ThrowHelper.ModelFormat($"{source}: not a valid quantization plan: {limit}");
        QuantizationPlan? plan;
        try
        {
            plan = JsonSerializer.Deserialize(json, QuantizationPlanJsonContext.Default.QuantizationPlan);
        }
        catch (JsonException e)
        {
            // The serializer quotes the text it stopped at: escaped, so the error stays one line.
            throw new ModelFormatException($"{source}: not a valid quantization plan: {FileText.Escape(e.Message)}", e);
        }
        if (plan is null) ThrowHelper.ModelFormat($"{source}: not a valid quantization plan: the JSON is null");
        // Generated deserialization sets absent init-only lists to null; absent means empty.
        plan = plan! with
        {
            Tensors = plan.Tensors ?? [],
            ExcludedNodes = plan.ExcludedNodes ?? [],
            FoldedActivations = plan.FoldedActivations ?? [],
        };
        try
        {
            PlanValidation.CheckShape(plan, source);
        }
        catch (EdgeOptException e) when (e.Message.Any(FileText.BreaksLine))
        {
            // Tensor names come from the file: escape control characters so an error stays one line.
            throw FileText.OneLine(e);
        }
        return plan;
    }

    /// <summary>Writes the plan as JSON atomically: a temporary sibling moved into place, so a failure leaves no partial file.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>Reads a plan written by <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ModelFormatException">The file is not a valid plan.</exception>
    public static QuantizationPlan Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"quantization plan not found: {path}", path);
        if (JsonLimits.SizeProblem(FileLength.Of(path)) is { } size) ThrowHelper.ModelFormat($"{path}: not a valid quantization plan: {size}");
        return FromJson(File.ReadAllText(path), path);
    }
}

/// <summary>The number format a tensor is stored in after quantization.</summary>
public enum QuantizedPrecision
{
    /// <summary>Left in float (excluded).</summary>
    [JsonStringEnumMemberName("float")] Float,

    /// <summary>Unsigned 8-bit.</summary>
    [JsonStringEnumMemberName("uint8")] UInt8,

    /// <summary>Signed 8-bit.</summary>
    [JsonStringEnumMemberName("int8")] Int8,

    /// <summary>Signed 32-bit (biases, with scale = input scale × weight scale).</summary>
    [JsonStringEnumMemberName("int32")] Int32,
}

/// <summary>One tensor's quantization: <c>real = scale * (q - zeroPoint)</c>, per tensor or per slice along <paramref name="Axis"/>.</summary>
/// <param name="Name">The tensor (value) name in the model.</param>
/// <param name="Precision">The integer type, or <see cref="QuantizedPrecision.Float"/> when excluded.</param>
/// <param name="Scales">One scale, or one per slice along <paramref name="Axis"/>; empty when float.</param>
/// <param name="ZeroPoints">As many zero points as scales.</param>
/// <param name="Axis">The per-channel axis, or null for per-tensor.</param>
/// <param name="Min">Lower end of the float range the parameters cover (activations), or null.</param>
/// <param name="Max">Upper end of that range, or null.</param>
/// <param name="Reason">Why the tensor stays float, or null.</param>
/// <param name="Calibration">Activations: the calibration method whose range was taken (e.g. <c>mse</c> or
/// <c>percentile-99.99</c>, as chosen per tensor by <c>auto</c>), or null.</param>
public sealed record TensorQuantization(
    string Name, QuantizedPrecision Precision, IReadOnlyList<float> Scales, IReadOnlyList<int> ZeroPoints,
    int? Axis = null, float? Min = null, float? Max = null, string? Reason = null, string? Calibration = null)
{
    /// <summary>Whether the tensor is quantized (not float).</summary>
    [JsonIgnore]
    public bool IsQuantized => Precision != QuantizedPrecision.Float;
}

/// <summary>A node left in float and why.</summary>
/// <param name="Node">Its name, or its first output's name when it has none.</param>
/// <param name="OpType">Its operator.</param>
/// <param name="Reason">Why it was not quantized.</param>
public sealed record ExcludedNode(string Node, string OpType, string Reason);
