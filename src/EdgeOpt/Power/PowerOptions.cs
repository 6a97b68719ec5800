using EdgeOpt.Devices;

namespace EdgeOpt.Power;

/// <summary>Options for <see cref="PowerAnalyzer.Analyze"/>.</summary>
public sealed record PowerOptions
{
    public static PowerOptions Default { get; } = new();

    /// <summary>The number format the model runs in on the device.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>The processor; null picks as the latency estimator does (NPU for int8, GPU for fp16, else CPU).</summary>
    public ComputeUnitKind? Unit { get; init; }

    /// <summary>Items per inference (energy is reported per item).</summary>
    public int Batch { get; init; } = 1;

    /// <summary>Sizes for symbolic dims (e.g. <c>sequence = 128</c>), as for the latency estimate; a dim left unsized cannot be costed.</summary>
    public IReadOnlyDictionary<string, long>? DimensionValues { get; init; }

    /// <summary>Intra-op CPU threads; null: ONNX Runtime's default for the device.</summary>
    public int? Threads { get; init; }

    /// <summary>Inferences per second the application asks for; null with <see cref="DutyCycle"/> null: back to back.</summary>
    public double? RatePerSecond { get; init; }

    /// <summary>Share of the time the model runs, in (0, 1], at the chosen mode; exclusive with <see cref="RatePerSecond"/>.</summary>
    public double? DutyCycle { get; init; }

    /// <summary>The power mode the headline figures are for (all three are always in the trade-off table).</summary>
    public PowerModeKind Mode { get; init; } = PowerModeKind.Performance;

    /// <summary>Room temperature for the thermal model, °C.</summary>
    public double AmbientC { get; init; } = 25;

    /// <summary>Battery capacity in Wh to use instead of the device's (a Jetson on a battery pack); null: the device's.</summary>
    public double? BatteryWh { get; init; }

    /// <summary>Every problem with these options, all at once (empty: they can work).</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (Batch < 1) problems.Add(new($"{{0}} must be 1 or more, got {Batch}", Name(nameof(Batch))));
        if (Threads is < 1) problems.Add(new($"{{0}} must be 1 or more, got {Threads}", Name(nameof(Threads))));
        if (RatePerSecond is { } r && !(r > 0 && double.IsFinite(r))) problems.Add(new($"{{0}} must be a positive number of inferences per second, got {r}", Name(nameof(RatePerSecond))));
        if (DutyCycle is { } d && !(d > 0 && d <= 1)) problems.Add(new($"{{0}} must be in (0, 1], got {d}", Name(nameof(DutyCycle))));
        if (RatePerSecond is not null && DutyCycle is not null) problems.Add(new("{0} and {1} cannot both be given: a rate or a duty cycle", Name(nameof(RatePerSecond)), Name(nameof(DutyCycle))));
        if (!Enum.IsDefined(Mode)) problems.Add(new($"{{0}} {(int)Mode}: expected one of {string.Join(", ", Enum.GetNames<PowerModeKind>())}", Name(nameof(Mode))));
        if (!(AmbientC > -40 && AmbientC < 60)) problems.Add(new($"{{0}} must be between -40 and 60 °C, got {AmbientC}", Name(nameof(AmbientC))));
        if (BatteryWh is { } b && !(b > 0 && double.IsFinite(b))) problems.Add(new($"{{0}} must be a positive number of watt-hours, got {b}", Name(nameof(BatteryWh))));
        return problems;
    }

    private static string Name(string member) => $"{nameof(PowerOptions)}.{member}";
}
