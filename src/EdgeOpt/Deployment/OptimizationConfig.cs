using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeOpt.Quantization;

namespace EdgeOpt.Deployment;

/// <summary>
/// What a deployment must achieve (the seed's <c>OptimizationConfig</c>): the precision (or automatic choice) and the
/// constraints a candidate must meet. Every constraint is optional; null means "no constraint". Read from a
/// <c>deploy.json</c> (camelCase, unknown fields refused) with <see cref="Load"/>.
/// </summary>
public sealed record OptimizationConfig
{
    /// <summary>The precision to deploy at; null lets the search choose (<c>"auto"</c> in JSON).</summary>
    public QuantizationType? Quantization { get; init; }

    /// <summary>Latency the chosen model must reach on the target, in ms per batch.</summary>
    public double? TargetLatencyMs { get; init; }

    /// <summary>Peak memory the model may take on the target, in MB (10⁶ bytes).</summary>
    public double? MaxMemoryMb { get; init; }

    /// <summary>Fraction of the FP32 baseline's accuracy to keep, in (0, 1] (the seed's "&gt; 95% of FP32 baseline" is 0.95). Not with <see cref="MaxAccuracyDrop"/>.</summary>
    public double? TargetAccuracy { get; init; }

    /// <summary>Largest accuracy drop from the FP32 baseline, in percentage points (≥ 0). Not with <see cref="TargetAccuracy"/>.</summary>
    public double? MaxAccuracyDrop { get; init; }

    /// <summary>
    /// Smallest mean cosine similarity of the outputs to the FP32 model's, in (0, 1] (fidelity, no labels needed;
    /// e.g. 0.99). Checked alongside an accuracy constraint when both are given.
    /// </summary>
    public double? MinFidelity { get; init; }

    /// <summary>Largest model size as a fraction of the original's, in (0, 1].</summary>
    public double? CompressionRatio { get; init; }

    /// <summary>Prefer variants that cost less energy per inference when the constraints leave a choice.</summary>
    public bool BatteryOptimization { get; init; }

    /// <summary>
    /// Battery life the deployment must reach at <see cref="RatePerSecond"/> on the target, in hours (estimated with
    /// <c>EdgeOpt.Power</c>; needs the device's power figures and a battery, or <see cref="BatteryWh"/>). Given (or
    /// <see cref="MaxPowerWatts"/> or <see cref="ThermalLimitCelsius"/>), the power mode becomes a candidate dimension.
    /// </summary>
    public double? BatteryHours { get; init; }

    /// <summary>Inferences per second the application runs: what battery life, average power and temperature are estimated at.</summary>
    public double? RatePerSecond { get; init; }

    /// <summary>Largest average device power at <see cref="RatePerSecond"/>, in watts (estimated).</summary>
    public double? MaxPowerWatts { get; init; }

    /// <summary>Largest steady-state temperature at <see cref="RatePerSecond"/>, in °C (estimated; the device throttles at its own limit regardless).</summary>
    public double? ThermalLimitCelsius { get; init; }

    /// <summary>Battery capacity in Wh instead of the device's (a board on a battery pack); null: the device's.</summary>
    public double? BatteryWh { get; init; }

    /// <summary>Package for progressive loading (browsers).</summary>
    public bool EnableProgressiveLoading { get; init; }

    /// <summary>Inference batch size (≥ 1).</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>CPU threads (≥ 1); null lets the search choose.</summary>
    public int? Threads { get; init; }

    /// <summary>Wall-clock budget of the search (&gt; 0; JSON <c>"hh:mm:ss"</c>); null: no limit.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>
    /// Structured pruning targets to add to the search, each a fraction of the model's MACs to keep in (0, 1) (JSON
    /// <c>"pruneMacs": [0.75, 0.5]</c>): each is crossed with the precisions (pruned first, then quantized). Empty (the
    /// default) searches no pruning: every target costs a pruning pass and, with data, a least-squares reconstruction
    /// pass over the calibration samples before its candidates can be measured.
    /// </summary>
    public IReadOnlyList<double> PruneMacs { get; init; } = [];

    /// <summary>Every problem at once (empty: the config can work), each naming the member (<c>OptimizationConfig.BatchSize</c>).</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (Quantization is { } q && !Enum.IsDefined(q))
            problems.Add(new($"{{0}} {(int)q}: expected auto or one of {string.Join(", ", Enum.GetNames<QuantizationType>())}", Name(nameof(Quantization))));
        Positive(TargetLatencyMs, nameof(TargetLatencyMs), "ms");
        Positive(MaxMemoryMb, nameof(MaxMemoryMb), "MB");
        if (TargetAccuracy is { } ta && !(ta > 0 && ta <= 1))
            problems.Add(new($"{{0}} is {Show(ta)}: expected a fraction of the FP32 baseline in (0, 1], e.g. 0.95", Name(nameof(TargetAccuracy))));
        if (MaxAccuracyDrop is { } drop && !(drop >= 0 && drop <= 100))
            problems.Add(new($"{{0}} is {Show(drop)}: expected 0 to 100 percentage points", Name(nameof(MaxAccuracyDrop))));
        if (TargetAccuracy is not null && MaxAccuracyDrop is not null)
            problems.Add(new("{0} and {1} both given: state the accuracy constraint one way", Name(nameof(TargetAccuracy)), Name(nameof(MaxAccuracyDrop))));
        if (MinFidelity is { } f && !(f > 0 && f <= 1))
            problems.Add(new($"{{0}} is {Show(f)}: expected a cosine similarity in (0, 1], e.g. 0.99", Name(nameof(MinFidelity))));
        if (CompressionRatio is { } r && !(r > 0 && r <= 1))
            problems.Add(new($"{{0}} is {Show(r)}: expected the largest size over the original's, in (0, 1]", Name(nameof(CompressionRatio))));
        Positive(BatteryHours, nameof(BatteryHours), "hours");
        Positive(RatePerSecond, nameof(RatePerSecond), "inferences per second");
        Positive(MaxPowerWatts, nameof(MaxPowerWatts), "watts");
        Positive(BatteryWh, nameof(BatteryWh), "watt-hours");
        if (ThermalLimitCelsius is { } limit && !(limit > 25 && limit <= 150))
            problems.Add(new($"{{0}} is {Show(limit)}: expected a temperature in °C above 25 and at most 150", Name(nameof(ThermalLimitCelsius))));
        if (RatePerSecond is null)
            foreach (var (value, member) in new[] { (BatteryHours, nameof(BatteryHours)), (MaxPowerWatts, nameof(MaxPowerWatts)), (ThermalLimitCelsius, nameof(ThermalLimitCelsius)) })
                if (value is not null)
                    problems.Add(new("{0} needs {1}: battery life, power and temperature depend on how often the model runs", Name(member), Name(nameof(RatePerSecond))));
        if (BatchSize < 1) problems.Add(new($"{{0}} is {BatchSize}: expected at least 1", Name(nameof(BatchSize))));
        if (Threads is < 1) problems.Add(new($"{{0}} is {Threads}: expected at least 1, or leave it out to search", Name(nameof(Threads))));
        foreach (var macs in PruneMacs)
            if (!(macs > 0 && macs < 1))
                problems.Add(new($"{{0}} has {Show(macs)}: expected fractions of the MACs to keep, between 0 and 1 (exclusive), e.g. 0.75", Name(nameof(PruneMacs))));
        if (PruneMacs.Distinct().Count() != PruneMacs.Count)
            problems.Add(new("{0} lists a target twice", Name(nameof(PruneMacs))));
        if (TimeBudget is { } t && t <= TimeSpan.Zero)
            problems.Add(new($"{{0}} is {t.ToString("c", CultureInfo.InvariantCulture)}: expected a positive duration", Name(nameof(TimeBudget))));
        return problems;

        void Positive(double? value, string member, string unit)
        {
            if (value is { } v && (!(v > 0) || double.IsInfinity(v)))
                problems.Add(new($"{{0}} is {Show(v)}: expected a positive number of {unit}", Name(member)));
        }
    }

    /// <summary>Reads a <c>deploy.json</c> and validates it.</summary>
    /// <exception cref="UsageException">The file cannot be read.</exception>
    /// <exception cref="DataFormatException">Not JSON, an unknown field, a value of the wrong kind (the message names the field).</exception>
    /// <exception cref="InvalidOptionsException">A value out of range (<see cref="Validate"/>).</exception>
    public static OptimizationConfig Load(string path)
    {
        return Parse(ConfigJson.ReadText(path, "config file"), Path.GetFileName(path));
    }

    /// <summary>Parses the JSON form and validates it; <paramref name="source"/> names it in messages.</summary>
    public static OptimizationConfig Parse(string json, string source = "config JSON")
    {
        ArgumentNullException.ThrowIfNull(json);
        var config = ConfigJson.Read(json, source, DeploymentJsonContext.Default.OptimizationConfigJson, field => field switch
        {
            "batteryOptimization" or "enableProgressiveLoading" => "true or false",
            "batchSize" or "threads" => "a whole number",
            "timeBudget" => "a duration \"hh:mm:ss\" (e.g. \"00:10:00\")",
            "pruneMacs" => "a list of fractions of the MACs to keep, e.g. [0.75, 0.5]",
            "quantization" => null,
            _ => "a number",
        }).ToConfig();
        InvalidOptionsException.ThrowIfAny(config.Validate());
        return config;
    }

    /// <summary>The JSON form (what <see cref="Parse"/> reads).</summary>
    public string ToJson() => JsonSerializer.Serialize(OptimizationConfigJson.From(this), DeploymentJsonContext.Default.OptimizationConfigJson);

    /// <summary>Whether a battery, power or thermal constraint is given (the power mode is then searched too).</summary>
    internal bool HasBatteryConstraints => BatteryHours is not null || MaxPowerWatts is not null || ThermalLimitCelsius is not null;

    /// <summary>Whether the candidates get energy and battery figures (a constraint, or a rate to estimate them at).</summary>
    internal bool EstimatesPower => HasBatteryConstraints || RatePerSecond is not null || BatteryWh is not null;

    private static string Name(string member) => $"{nameof(OptimizationConfig)}.{member}";

    private static string Show(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}

/// <summary>
/// The JSON shape of <see cref="OptimizationConfig"/>. Source-generated JSON sets init-only properties through an object
/// initializer and would give an absent field default(T) (a batch size of 0), so the file is read into settable
/// properties whose absence keeps the record's defaults.
/// </summary>
internal sealed class OptimizationConfigJson
{
    [JsonConverter(typeof(AutoQuantizationTypeConverter))]
    public QuantizationType? Quantization { get; set; }
    public double? TargetLatencyMs { get; set; }
    public double? MaxMemoryMb { get; set; }
    public double? TargetAccuracy { get; set; }
    public double? MaxAccuracyDrop { get; set; }
    public double? MinFidelity { get; set; }
    public double? CompressionRatio { get; set; }
    public bool BatteryOptimization { get; set; }
    public double? BatteryHours { get; set; }
    public double? RatePerSecond { get; set; }
    public double? MaxPowerWatts { get; set; }
    public double? ThermalLimitCelsius { get; set; }
    public double? BatteryWh { get; set; }
    public bool EnableProgressiveLoading { get; set; }
    public int BatchSize { get; set; } = 1;
    public int? Threads { get; set; }
    public TimeSpan? TimeBudget { get; set; }
    public List<double>? PruneMacs { get; set; }

    public OptimizationConfig ToConfig() => new()
    {
        Quantization = Quantization, TargetLatencyMs = TargetLatencyMs, MaxMemoryMb = MaxMemoryMb, TargetAccuracy = TargetAccuracy,
        MaxAccuracyDrop = MaxAccuracyDrop, MinFidelity = MinFidelity, CompressionRatio = CompressionRatio, BatteryOptimization = BatteryOptimization,
        BatteryHours = BatteryHours, RatePerSecond = RatePerSecond, MaxPowerWatts = MaxPowerWatts, ThermalLimitCelsius = ThermalLimitCelsius, BatteryWh = BatteryWh,
        EnableProgressiveLoading = EnableProgressiveLoading, BatchSize = BatchSize, Threads = Threads, TimeBudget = TimeBudget,
        PruneMacs = PruneMacs is { Count: > 0 } targets ? targets.ToArray() : Array.Empty<double>(),
    };

    public static OptimizationConfigJson From(OptimizationConfig c) => new()
    {
        Quantization = c.Quantization, TargetLatencyMs = c.TargetLatencyMs, MaxMemoryMb = c.MaxMemoryMb, TargetAccuracy = c.TargetAccuracy,
        MaxAccuracyDrop = c.MaxAccuracyDrop, MinFidelity = c.MinFidelity, CompressionRatio = c.CompressionRatio, BatteryOptimization = c.BatteryOptimization,
        BatteryHours = c.BatteryHours, RatePerSecond = c.RatePerSecond, MaxPowerWatts = c.MaxPowerWatts, ThermalLimitCelsius = c.ThermalLimitCelsius, BatteryWh = c.BatteryWh,
        EnableProgressiveLoading = c.EnableProgressiveLoading, BatchSize = c.BatchSize, Threads = c.Threads, TimeBudget = c.TimeBudget,
        PruneMacs = c.PruneMacs.Count == 0 ? null : [.. c.PruneMacs],
    };
}

/// <summary><c>"auto"</c> (or null) ⇄ null; otherwise a <see cref="QuantizationType"/> name, case-insensitive.</summary>
internal sealed class AutoQuantizationTypeConverter : JsonConverter<QuantizationType?>
{
    public override bool HandleNull => true;

    public override QuantizationType? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.String) throw new JsonException($"expected \"auto\" or one of {string.Join(", ", Enum.GetNames<QuantizationType>())}");
        var text = reader.GetString()!;
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return null;
        if (text.Length > 0 && char.IsLetter(text[0]) && Enum.TryParse<QuantizationType>(text, ignoreCase: true, out var type))
            return type;
        throw new JsonException($"'{text}' is not a quantization type: expected \"auto\" or one of {string.Join(", ", Enum.GetNames<QuantizationType>())}");
    }

    public override void Write(Utf8JsonWriter writer, QuantizationType? value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value is { } v ? v.ToString() : "auto");
}

/// <summary>Source-generated JSON for <c>deploy.json</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    RespectNullableAnnotations = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(OptimizationConfigJson))]
internal sealed partial class DeploymentJsonContext : JsonSerializerContext;
