using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeOpt.Data;
using EdgeOpt.Devices;
using EdgeOpt.Runtime;

namespace EdgeOpt.Deployment;

/// <summary>
/// The JSON forms of <see cref="CandidateSpec"/> and <see cref="CandidateResult"/>. Source-generated JSON sets init-only
/// properties through an object initializer and would give an absent field default(T) (zero threads), so both are
/// read into settable shapes whose absence keeps the records' defaults, and mapped.
/// </summary>
internal static class CandidateJson
{
    public static string Write(CandidateSpec spec) => JsonSerializer.Serialize(CandidateSpecJson.From(spec), CandidateJsonContext.Default.CandidateSpecJson);

    public static string Write(CandidateResult result) => JsonSerializer.Serialize(CandidateResultJson.From(result), CandidateJsonContext.Default.CandidateResultJson);

    /// <summary>The key's text: compact, in declaration order, paths left out (the content hashes stand for them).</summary>
    public static string Canonical(CandidateSpec spec)
    {
        var json = CandidateSpecJson.From(spec);
        json.ModelPath = "";
        json.Device = "";
        if (json.Data is { } data)
        {
            data.Path = "";
            data.LabelsPath = null;
        }
        return JsonSerializer.Serialize(json, CanonicalCandidateJsonContext.Default.CandidateSpecJson);
    }

    /// <summary>The data's part of the key alone (paths left out): what decides the samples read.</summary>
    public static string Canonical(CandidateData data)
    {
        var json = CandidateDataJson.From(data);
        json.Path = "";
        json.LabelsPath = null;
        return JsonSerializer.Serialize(json, CanonicalCandidateJsonContext.Default.CandidateDataJson);
    }

    public static CandidateSpec ReadSpec(string json, string source) =>
        ConfigJson.Read(json, source, CandidateJsonContext.Default.CandidateSpecJson, Expected).ToSpec();

    public static CandidateResult ReadResult(string json, string source) =>
        ConfigJson.Read(json, source, CandidateJsonContext.Default.CandidateResultJson, Expected).ToResult();

    private static string? Expected(string field)
    {
        var leaf = field[(field.LastIndexOf('.') + 1)..];
        return leaf switch
        {
            "precision" or "spec.precision" => $"one of {string.Join(", ", Enum.GetNames<CandidatePrecision>())}",
            "optimizationLevel" => $"one of {string.Join(", ", Enum.GetNames<GraphOptimization>())}",
            "backend" => $"one of {string.Join(", ", Enum.GetNames<AccelerationBackend>())}",
            "status" => $"one of {string.Join(", ", Enum.GetNames<CandidateStatus>())}",
            "perChannel" or "fitsDeviceClass" or "bgr" => "true or false",
            "threads" or "batchSize" or "latencyRuns" or "samples" or "calibrationSamples" or "width" or "height" or "evaluationSamples"
                or "groupsPruned" or "reconstructionSamples" => "a whole number",
            "pruneMacs" => "a fraction of the MACs to keep, e.g. 0.75",
            "sizeBytes" or "measuredPeakMemoryBytes" or "estimatedMemoryBytes" or "initialLoadBytes" => "a whole number of bytes",
            _ when leaf.EndsWith("Path", StringComparison.Ordinal) || leaf.EndsWith("Sha256", StringComparison.Ordinal) => "a string",
            _ => null,
        };
    }
}

internal sealed class CandidateSpecJson
{
    public required string ModelPath { get; set; }
    public required string ModelSha256 { get; set; }
    public required string Device { get; set; }
    public required string DeviceSha256 { get; set; }
    public required CandidatePrecision Precision { get; set; }
    public bool PerChannel { get; set; } = true;
    public GraphOptimization OptimizationLevel { get; set; } = GraphOptimization.All;
    public int Threads { get; set; } = 1;
    public int BatchSize { get; set; } = 1;
    public AccelerationBackend Backend { get; set; } = AccelerationBackend.Cpu;
    public CandidateDataJson? Data { get; set; }
    public double? MixedTargetAccuracy { get; set; }
    public double? MixedMaxAccuracyDrop { get; set; }
    public double? PruneMacs { get; set; }
    public int LatencyRuns { get; set; } = CandidateSpec.DefaultLatencyRuns;
    public required string ToolVersion { get; set; }

    public CandidateSpec ToSpec() => new()
    {
        ModelPath = ModelPath, ModelSha256 = ModelSha256, Device = Device, DeviceSha256 = DeviceSha256, Precision = Precision,
        PerChannel = PerChannel, OptimizationLevel = OptimizationLevel, Threads = Threads, BatchSize = BatchSize, Backend = Backend,
        Data = Data?.ToData(), MixedTargetAccuracy = MixedTargetAccuracy, MixedMaxAccuracyDrop = MixedMaxAccuracyDrop, PruneMacs = PruneMacs,
        LatencyRuns = LatencyRuns, ToolVersion = ToolVersion,
    };

    public static CandidateSpecJson From(CandidateSpec s) => new()
    {
        ModelPath = s.ModelPath, ModelSha256 = s.ModelSha256, Device = s.Device, DeviceSha256 = s.DeviceSha256, Precision = s.Precision,
        PerChannel = s.PerChannel, OptimizationLevel = s.OptimizationLevel, Threads = s.Threads, BatchSize = s.BatchSize, Backend = s.Backend,
        Data = s.Data is null ? null : CandidateDataJson.From(s.Data), MixedTargetAccuracy = s.MixedTargetAccuracy,
        MixedMaxAccuracyDrop = s.MixedMaxAccuracyDrop, PruneMacs = s.PruneMacs, LatencyRuns = s.LatencyRuns, ToolVersion = s.ToolVersion,
    };
}

internal sealed class CandidateDataJson
{
    public required string Path { get; set; }
    public required string Sha256 { get; set; }
    public string? LabelsPath { get; set; }
    public string? LabelsSha256 { get; set; }
    public ImagePreprocessingJson? Image { get; set; }
    public int Samples { get; set; }
    public int CalibrationSamples { get; set; } = 100;

    public CandidateData ToData() => new()
    {
        Path = Path, Sha256 = Sha256, LabelsPath = LabelsPath, LabelsSha256 = LabelsSha256, Image = Image?.ToImage(),
        Samples = Samples, CalibrationSamples = CalibrationSamples,
    };

    public static CandidateDataJson From(CandidateData d) => new()
    {
        Path = d.Path, Sha256 = d.Sha256, LabelsPath = d.LabelsPath, LabelsSha256 = d.LabelsSha256,
        Image = d.Image is null ? null : ImagePreprocessingJson.From(d.Image), Samples = d.Samples, CalibrationSamples = d.CalibrationSamples,
    };
}

internal sealed class ImagePreprocessingJson
{
    private static readonly ImagePreprocessing Defaults = new();

    public int? Width { get; set; }
    public int? Height { get; set; }
    public List<float>? Mean { get; set; }
    public List<float>? Std { get; set; }
    public float Scale { get; set; } = Defaults.Scale;
    public ImageLayout? Layout { get; set; }
    public ImageColor? Color { get; set; }
    public bool Bgr { get; set; }
    public ResizeMode Resize { get; set; } = Defaults.Resize;
    public float CropFraction { get; set; } = Defaults.CropFraction;

    public ImagePreprocessing ToImage() => new()
    {
        Width = Width, Height = Height, Mean = Mean, Std = Std, Scale = Scale, Layout = Layout, Color = Color, Bgr = Bgr,
        Resize = Resize, CropFraction = CropFraction,
    };

    public static ImagePreprocessingJson From(ImagePreprocessing i) => new()
    {
        Width = i.Width, Height = i.Height, Mean = i.Mean?.ToList(), Std = i.Std?.ToList(), Scale = i.Scale, Layout = i.Layout,
        Color = i.Color, Bgr = i.Bgr, Resize = i.Resize, CropFraction = i.CropFraction,
    };
}

internal sealed class CandidateResultJson
{
    public required CandidateSpecJson Spec { get; set; }
    public required string Key { get; set; }
    public required string Label { get; set; }
    public required CandidateStatus Status { get; set; }
    public string? Reason { get; set; }
    public long? SizeBytes { get; set; }
    public double? MeasuredAccuracy { get; set; }
    public double? MeasuredBaselineAccuracy { get; set; }
    public int? EvaluationSamples { get; set; }
    public double? MeasuredCosine { get; set; }
    public double? MeasuredTop1Agreement { get; set; }
    public double? MeasuredLatencyP50Ms { get; set; }
    public double? MeasuredLatencyP90Ms { get; set; }
    public double? MeasuredBaselineP50Ms { get; set; }
    public long? MeasuredPeakMemoryBytes { get; set; }
    public double? EstimatedLatencyMs { get; set; }
    public long? EstimatedMemoryBytes { get; set; }
    public string? EstimatedUnit { get; set; }
    public bool? FitsDeviceClass { get; set; }
    public long? InitialLoadBytes { get; set; }
    public List<LayerSensitivity> Sensitivity { get; set; } = [];
    public List<string> FloatNodes { get; set; } = [];
    public CandidatePruning? Pruning { get; set; }
    public required string Command { get; set; }
    public double EvaluationSeconds { get; set; }
    public string? Host { get; set; }
    public List<string> Notes { get; set; } = [];

    public CandidateResult ToResult() => new()
    {
        Spec = Spec.ToSpec(), Key = Key, Label = Label, Status = Status, Reason = Reason, SizeBytes = SizeBytes,
        MeasuredAccuracy = MeasuredAccuracy, MeasuredBaselineAccuracy = MeasuredBaselineAccuracy, EvaluationSamples = EvaluationSamples,
        MeasuredCosine = MeasuredCosine, MeasuredTop1Agreement = MeasuredTop1Agreement, MeasuredLatencyP50Ms = MeasuredLatencyP50Ms,
        MeasuredLatencyP90Ms = MeasuredLatencyP90Ms, MeasuredBaselineP50Ms = MeasuredBaselineP50Ms, MeasuredPeakMemoryBytes = MeasuredPeakMemoryBytes,
        EstimatedLatencyMs = EstimatedLatencyMs, EstimatedMemoryBytes = EstimatedMemoryBytes, EstimatedUnit = EstimatedUnit,
        FitsDeviceClass = FitsDeviceClass, InitialLoadBytes = InitialLoadBytes, Sensitivity = Sensitivity, FloatNodes = FloatNodes,
        Pruning = Pruning, Command = Command, EvaluationSeconds = EvaluationSeconds, Host = Host, Notes = Notes,
    };

    public static CandidateResultJson From(CandidateResult r) => new()
    {
        Spec = CandidateSpecJson.From(r.Spec), Key = r.Key, Label = r.Label, Status = r.Status, Reason = r.Reason, SizeBytes = r.SizeBytes,
        MeasuredAccuracy = r.MeasuredAccuracy, MeasuredBaselineAccuracy = r.MeasuredBaselineAccuracy, EvaluationSamples = r.EvaluationSamples,
        MeasuredCosine = r.MeasuredCosine, MeasuredTop1Agreement = r.MeasuredTop1Agreement, MeasuredLatencyP50Ms = r.MeasuredLatencyP50Ms,
        MeasuredLatencyP90Ms = r.MeasuredLatencyP90Ms, MeasuredBaselineP50Ms = r.MeasuredBaselineP50Ms, MeasuredPeakMemoryBytes = r.MeasuredPeakMemoryBytes,
        EstimatedLatencyMs = r.EstimatedLatencyMs, EstimatedMemoryBytes = r.EstimatedMemoryBytes, EstimatedUnit = r.EstimatedUnit,
        FitsDeviceClass = r.FitsDeviceClass, InitialLoadBytes = r.InitialLoadBytes, Sensitivity = [.. r.Sensitivity], FloatNodes = [.. r.FloatNodes],
        Pruning = r.Pruning, Command = r.Command, EvaluationSeconds = r.EvaluationSeconds, Host = r.Host, Notes = [.. r.Notes],
    };
}

/// <summary>Source-generated JSON for candidate specs and results (indented, for files and the store).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, UseStringEnumConverter = true,
    RespectNullableAnnotations = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(CandidateSpecJson))]
[JsonSerializable(typeof(CandidateResultJson))]
internal sealed partial class CandidateJsonContext : JsonSerializerContext;

/// <summary>The compact form hashed for <see cref="CandidateSpec.ComputeKey"/>; its layout is part of every cache key.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CandidateSpecJson))]
[JsonSerializable(typeof(CandidateDataJson))]
internal sealed partial class CanonicalCandidateJsonContext : JsonSerializerContext;
