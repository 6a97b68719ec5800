using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using EdgeOpt.Data;
using EdgeOpt.Devices;
using EdgeOpt.Runtime;

namespace EdgeOpt.Deployment;

/// <summary>
/// One point of the deploy search, complete enough to evaluate on its own: the model and data (by path and content
/// hash), the target device, and the candidate's settings. Evaluating a spec is a pure function
/// (<see cref="CandidateSpec"/> JSON in, <see cref="CandidateResult"/> JSON out; <see cref="CandidateEvaluation.Evaluate"/>),
/// so results can be cached by <see cref="CandidateResult.Key"/> and, later, evaluated elsewhere.
/// </summary>
public sealed record CandidateSpec
{
    /// <summary>The input model's path as given.</summary>
    public required string ModelPath { get; init; }

    /// <summary>SHA-256 of the input model's bytes (lower-case hex; <see cref="ContentHash.OfFile"/>); part of the cache key.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>The target: a catalogue id (<c>pixel-7</c>) or a device.json path.</summary>
    public required string Device { get; init; }

    /// <summary>SHA-256 of the device definition (<see cref="ContentHash.OfDevice(ResolvedDevice)"/>), so an edited device is a new key.</summary>
    public required string DeviceSha256 { get; init; }

    /// <summary>Precision of this candidate.</summary>
    public required CandidatePrecision Precision { get; init; }

    /// <summary>Per-channel weight scales (static INT8, mixed and INT8 dynamic); ignored by other precisions.</summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>ONNX Runtime's graph optimization level the candidate runs with.</summary>
    public GraphOptimization OptimizationLevel { get; init; } = GraphOptimization.All;

    /// <summary>CPU intra-op threads (≥ 1).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Batch size (≥ 1).</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>The device's backend the target estimate is for (CPU, GPU, NPU through the compat tables; wasm/webgpu for browsers).</summary>
    public AccelerationBackend Backend { get; init; } = AccelerationBackend.Cpu;

    /// <summary>The evaluation and calibration data; null: random inputs (fidelity only, no accuracy; static INT8 and mixed fail).</summary>
    public CandidateData? Data { get; init; }

    /// <summary>Mixed precision: the fraction of the FP32 baseline's accuracy to keep, in (0, 1]. Not with <see cref="MixedMaxAccuracyDrop"/>.</summary>
    public double? MixedTargetAccuracy { get; init; }

    /// <summary>Mixed precision: the largest accuracy drop from FP32, in percentage points. Not with <see cref="MixedTargetAccuracy"/>.</summary>
    public double? MixedMaxAccuracyDrop { get; init; }

    /// <summary>
    /// Structured pruning before the precision is applied: keep this fraction of the model's MACs, in (0, 1)
    /// (<see cref="Pruning.PruningOptions.TargetMacs"/>; with data, reconstructed on the calibration samples). Null: not
    /// pruned — and left out of the content key, so the keys of unpruned candidates are those of earlier versions.
    /// </summary>
    public double? PruneMacs { get; init; }

    /// <summary>Timed runs of the candidate (and as many of the baseline, interleaved) for the host latency (≥ 1).</summary>
    public int LatencyRuns { get; init; } = DefaultLatencyRuns;

    /// <summary>EdgeOpt's version (<see cref="CurrentToolVersion"/>); part of the cache key so a new build re-measures.</summary>
    public required string ToolVersion { get; init; }

    /// <summary>The default of <see cref="LatencyRuns"/>: enough for a stable p50 on a noisy 2-core host, few enough for a search.</summary>
    public const int DefaultLatencyRuns = 20;

    /// <summary>Most samples a spec may evaluate or calibrate on (each one costs model runs per candidate).</summary>
    public const int MaxSamples = 100_000;

    /// <summary>This build's version: the assembly's informational version (release and source revision).</summary>
    public static string CurrentToolVersion { get; } =
        typeof(CandidateSpec).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CandidateSpec).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>
    /// The content key: SHA-256 (lower-case hex) of the canonical JSON of every field that decides the result. Paths
    /// (<see cref="ModelPath"/>, <see cref="Device"/>, data and labels paths) are left out: the content hashes identify
    /// what they point at, so a moved or renamed file, or another spelling of the device, keeps its cached result.
    /// </summary>
    public string ComputeKey() =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CandidateJson.Canonical(this))));

    /// <summary>Every problem with this spec, each naming the member (<c>CandidateSpec.Threads</c>); empty when it can be evaluated.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (string.IsNullOrWhiteSpace(ModelPath)) problems.Add(new("{0} is empty: expected the model's path", Name(nameof(ModelPath))));
        if (!IsSha256(ModelSha256)) problems.Add(new("{0}: expected 64 lower-case hex digits", Name(nameof(ModelSha256))));
        if (string.IsNullOrWhiteSpace(Device)) problems.Add(new("{0} is empty: expected a catalogue id or a device.json path", Name(nameof(Device))));
        if (!IsSha256(DeviceSha256)) problems.Add(new("{0}: expected 64 lower-case hex digits", Name(nameof(DeviceSha256))));
        if (!Enum.IsDefined(Precision)) problems.Add(new($"{{0}} {(int)Precision}: expected one of {string.Join(", ", Enum.GetNames<CandidatePrecision>())}", Name(nameof(Precision))));
        if (!Enum.IsDefined(OptimizationLevel)) problems.Add(new($"{{0}} {(int)OptimizationLevel}: expected one of {string.Join(", ", Enum.GetNames<GraphOptimization>())}", Name(nameof(OptimizationLevel))));
        if (!Enum.IsDefined(Backend)) problems.Add(new($"{{0}} {(int)Backend}: expected one of {string.Join(", ", Enum.GetNames<AccelerationBackend>())}", Name(nameof(Backend))));
        if (Threads is < 1 or > BenchmarkOptions.MaxThreads) problems.Add(new($"{{0}} is {Threads}: expected 1 to {BenchmarkOptions.MaxThreads}", Name(nameof(Threads))));
        if (BatchSize < 1) problems.Add(new($"{{0}} is {BatchSize}: expected at least 1", Name(nameof(BatchSize))));
        if (LatencyRuns < 1) problems.Add(new($"{{0}} is {LatencyRuns}: expected at least 1", Name(nameof(LatencyRuns))));
        if (string.IsNullOrWhiteSpace(ToolVersion)) problems.Add(new("{0} is empty", Name(nameof(ToolVersion))));
        if (MixedTargetAccuracy is { } ta && !(ta > 0 && ta <= 1))
            problems.Add(new($"{{0}} is {Show(ta)}: expected a fraction of the FP32 baseline in (0, 1]", Name(nameof(MixedTargetAccuracy))));
        if (MixedMaxAccuracyDrop is { } drop && !(drop >= 0 && drop <= 100))
            problems.Add(new($"{{0}} is {Show(drop)}: expected 0 to 100 percentage points", Name(nameof(MixedMaxAccuracyDrop))));
        if (MixedTargetAccuracy is not null && MixedMaxAccuracyDrop is not null)
            problems.Add(new("{0} and {1} both given: state the target one way", Name(nameof(MixedTargetAccuracy)), Name(nameof(MixedMaxAccuracyDrop))));
        if (Precision == CandidatePrecision.Mixed && MixedTargetAccuracy is null && MixedMaxAccuracyDrop is null)
            problems.Add(new("mixed precision needs an accuracy target: give {0} or {1}", Name(nameof(MixedTargetAccuracy)), Name(nameof(MixedMaxAccuracyDrop))));
        if (Precision != CandidatePrecision.Mixed && (MixedTargetAccuracy is not null || MixedMaxAccuracyDrop is not null))
            problems.Add(new($"{{0}}: an accuracy target is for mixed precision only, not {Precision}", Name(MixedTargetAccuracy is not null ? nameof(MixedTargetAccuracy) : nameof(MixedMaxAccuracyDrop))));
        if (PruneMacs is { } macs && !(macs > 0 && macs < 1))
            problems.Add(new($"{{0}} is {Show(macs)}: expected a fraction of the MACs to keep, between 0 and 1 (exclusive)", Name(nameof(PruneMacs))));
        if (PruneMacs is not null && Precision == CandidatePrecision.Mixed)
            problems.Add(new("{0}: pruned candidates are not searched at mixed precision (its accuracy search would run once per pruning target)", Name(nameof(PruneMacs))));
        if (Data is { } data) problems.AddRange(data.Validate());
        return problems;
    }

    /// <summary>The JSON form (camelCase, enums as names): what <see cref="Parse"/> reads.</summary>
    public string ToJson() => CandidateJson.Write(this);

    /// <summary>Reads the JSON form and validates it.</summary>
    /// <exception cref="DataFormatException">Not JSON, an unknown or missing field, a value of the wrong kind (the message names the field).</exception>
    /// <exception cref="InvalidOptionsException">A value out of range (<see cref="Validate"/>).</exception>
    public static CandidateSpec Parse(string json, string source = "candidate spec")
    {
        ArgumentNullException.ThrowIfNull(json);
        var spec = CandidateJson.ReadSpec(json, source);
        InvalidOptionsException.ThrowIfAny(spec.Validate());
        return spec;
    }

    internal static bool IsSha256(string? text) =>
        text is { Length: 64 } && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    private static string Name(string member) => $"{nameof(CandidateSpec)}.{member}";

    internal static string Show(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}

/// <summary>
/// The data a candidate is evaluated (and calibrated) on, by path and content hash, with how it is read. Calibration
/// takes samples [0, <see cref="CalibrationSamples"/>); evaluation takes the next <see cref="Samples"/> when the data
/// holds that many more (held out from calibration), otherwise the first ones (the result then notes the overlap).
/// </summary>
public sealed record CandidateData
{
    /// <summary>The data path as given (folder of images, .npz, IDX file, …; anything <see cref="SampleSources.Open"/> reads).</summary>
    public required string Path { get; init; }

    /// <summary>SHA-256 over the data's content (<see cref="ContentHash.OfData"/>: every file, in ordinal path order).</summary>
    public required string Sha256 { get; init; }

    /// <summary>Labels file, if any (accuracy rather than fidelity); class sub-folders of an image folder label it too.</summary>
    public string? LabelsPath { get; init; }

    /// <summary>SHA-256 of <see cref="LabelsPath"/>'s bytes; required with it.</summary>
    public string? LabelsSha256 { get; init; }

    /// <summary>How images become input tensors (image data only); null: the defaults, from the model input.</summary>
    public ImagePreprocessing? Image { get; init; }

    /// <summary>How many samples are evaluated; 0: every sample not used for calibration (all of them when none is left).</summary>
    public int Samples { get; init; }

    /// <summary>How many samples calibrate static INT8 and mixed precision (the first ones).</summary>
    public int CalibrationSamples { get; init; } = 100;

    /// <summary>Every problem, each naming the member.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (string.IsNullOrWhiteSpace(Path)) problems.Add(new("{0} is empty: expected the data's path", Name(nameof(Path))));
        if (!CandidateSpec.IsSha256(Sha256)) problems.Add(new("{0}: expected 64 lower-case hex digits", Name(nameof(Sha256))));
        if (LabelsPath is not null && !CandidateSpec.IsSha256(LabelsSha256))
            problems.Add(new("{0}: expected the labels file's SHA-256 (64 lower-case hex digits) with {1}", Name(nameof(LabelsSha256)), Name(nameof(LabelsPath))));
        if (LabelsPath is null && LabelsSha256 is not null) problems.Add(new("{0} given without {1}", Name(nameof(LabelsSha256)), Name(nameof(LabelsPath))));
        if (Samples is < 0 or > CandidateSpec.MaxSamples) problems.Add(new($"{{0}} is {Samples}: expected 0 (all) to {CandidateSpec.MaxSamples}", Name(nameof(Samples))));
        if (CalibrationSamples is < 1 or > CandidateSpec.MaxSamples)
            problems.Add(new($"{{0}} is {CalibrationSamples}: expected 1 to {CandidateSpec.MaxSamples}", Name(nameof(CalibrationSamples))));
        if (Image is not null) problems.AddRange(Image.Validate());
        return problems;
    }

    /// <summary>
    /// The <c>edgeopt</c> flags that read the data this way: the image flags (<c>--preset</c> when the settings start
    /// from one, then <c>--size</c>, <c>--mean</c>, <c>--std</c>, <c>--layout</c>, <c>--color</c>, <c>--pixel-scale</c>
    /// for what differs) and <c>--labels</c>, in that order; each value a separate item (quote when joining).
    /// </summary>
    public IReadOnlyList<string> ReadingFlags()
    {
        var flags = new List<string>();
        if (Image is { } image) flags.AddRange(ImageFlags.For(image));
        if (LabelsPath is { } labels) flags.AddRange(["--labels", labels]);
        return flags;
    }

    private static string Name(string member) => $"{nameof(CandidateData)}.{member}";
}
