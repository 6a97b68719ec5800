namespace EdgeOpt.Power;

/// <summary>
/// What <see cref="BatteryOptimizer.OptimizeForBattery"/> must achieve (the seed's
/// <c>BatteryOptimizationConfig(target_battery_life_hours=12.0)</c>): a battery life at an inference rate, and the
/// power, thermal and latency limits a candidate (precision × unit × power mode) must stay within.
/// </summary>
public sealed record BatteryOptimizationConfig
{
    /// <summary>Battery life the deployment must reach at <see cref="RatePerSecond"/>, in hours (&gt; 0).</summary>
    public double TargetBatteryLifeHours { get; init; } = 12;

    /// <summary>Largest average device power at the rate, in watts (&gt; 0); null: no limit.</summary>
    public double? MaxPowerWatts { get; init; }

    /// <summary>Largest steady-state temperature at the rate, in °C; null: the device's throttling temperature.</summary>
    public double? ThermalLimitCelsius { get; init; }

    /// <summary>Allow the balanced and battery-saver power modes (lower clocks); off: performance mode only.</summary>
    public bool DynamicScaling { get; init; } = true;

    /// <summary>
    /// Largest latency increase over the fastest candidate, as a fraction (0.35: at most 35 % slower), ≥ 0; null: any.
    /// </summary>
    public double? PerformancePenaltyTolerance { get; init; }

    /// <summary>Inferences per second the application runs; exclusive with <see cref="DutyCycle"/>; both null: 1 per second.</summary>
    public double? RatePerSecond { get; init; }

    /// <summary>Share of the time the model runs, in (0, 1] (the rate then follows from each candidate's latency); exclusive with <see cref="RatePerSecond"/>.</summary>
    public double? DutyCycle { get; init; }

    /// <summary>Battery capacity in Wh instead of the device's (a board on a battery pack); null: the device's.</summary>
    public double? BatteryWh { get; init; }

    /// <summary>Room temperature for the thermal model, °C.</summary>
    public double AmbientC { get; init; } = 25;

    /// <summary>The rate used when neither <see cref="RatePerSecond"/> nor <see cref="DutyCycle"/> is given.</summary>
    public const double DefaultRatePerSecond = 1;

    /// <summary>Every problem with these options, all at once (empty: they can work), each naming the option.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (!(TargetBatteryLifeHours > 0 && double.IsFinite(TargetBatteryLifeHours)))
            problems.Add(new($"{{0}} must be a positive number of hours, got {Show(TargetBatteryLifeHours)}", Name(nameof(TargetBatteryLifeHours))));
        if (MaxPowerWatts is { } w && !(w > 0 && double.IsFinite(w)))
            problems.Add(new($"{{0}} must be a positive number of watts, got {Show(w)}", Name(nameof(MaxPowerWatts))));
        if (ThermalLimitCelsius is { } t && !(t > AmbientC && t <= 150))
            problems.Add(new($"{{0}} must be above the ambient {Show(AmbientC)} °C and at most 150 °C, got {Show(t)}", Name(nameof(ThermalLimitCelsius))));
        if (PerformancePenaltyTolerance is { } p && !(p >= 0 && double.IsFinite(p)))
            problems.Add(new($"{{0}} must be a fraction of the fastest latency, 0 or more (0.35: at most 35 % slower), got {Show(p)}", Name(nameof(PerformancePenaltyTolerance))));
        if (RatePerSecond is { } r && !(r > 0 && double.IsFinite(r)))
            problems.Add(new($"{{0}} must be a positive number of inferences per second, got {Show(r)}", Name(nameof(RatePerSecond))));
        if (DutyCycle is { } d && !(d > 0 && d <= 1))
            problems.Add(new($"{{0}} must be in (0, 1], got {Show(d)}", Name(nameof(DutyCycle))));
        if (RatePerSecond is not null && DutyCycle is not null)
            problems.Add(new("{0} and {1} cannot both be given: a rate or a duty cycle", Name(nameof(RatePerSecond)), Name(nameof(DutyCycle))));
        if (BatteryWh is { } b && !(b > 0 && double.IsFinite(b)))
            problems.Add(new($"{{0}} must be a positive number of watt-hours, got {Show(b)}", Name(nameof(BatteryWh))));
        if (!(AmbientC > -40 && AmbientC < 60))
            problems.Add(new($"{{0}} must be between -40 and 60 °C, got {Show(AmbientC)}", Name(nameof(AmbientC))));
        return problems;
    }

    private static string Name(string member) => $"{nameof(BatteryOptimizationConfig)}.{member}";

    private static string Show(double v) => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}
