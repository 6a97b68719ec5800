using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using static System.FormattableString;

namespace EdgeOpt.Power;

/// <summary>
/// Picks how to run a model for the longest battery life under constraints (the seed's
/// <c>battery_optimizer.optimize_for_battery(model, config)</c>): every precision (FP32, FP16, INT8 where a unit lists a
/// peak for it) on every unit of the device in every power mode (performance only without
/// <see cref="BatteryOptimizationConfig.DynamicScaling"/>) is estimated with <see cref="PowerAnalyzer"/>; those meeting
/// the battery target, the power and thermal limits, the latency tolerance and the rate are feasible, and the one with
/// the longest battery life wins (ties: the lowest latency).
/// </summary>
public static class BatteryOptimizer
{
    /// <summary>Battery lives this close (relative) count as a tie, broken by latency.</summary>
    public const double TieTolerance = 1e-6;

    /// <exception cref="InvalidOptionsException">Invalid config, or a device without a battery and no <see cref="BatteryOptimizationConfig.BatteryWh"/>.</exception>
    /// <exception cref="UsageException">The device has no power figures (the message says which).</exception>
    /// <exception cref="BatteryTargetException">No candidate meets every constraint (the message gives the best achievable battery life).</exception>
    public static BatteryOptimizationResult OptimizeForBattery(Model model, EdgeDevice device, BatteryOptimizationConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(config);
        ThrowHelper.IfInvalid(config.Validate());
        Require(device, config, nameof(BatteryOptimizationConfig), nameof(BatteryOptimizationConfig.BatteryWh));

        var evaluated = new List<(BatteryCandidate Candidate, PowerReport Report)>();
        foreach (var unit in device.ComputeUnits.Select(u => u.Kind).Distinct())
            foreach (var precision in Enum.GetValues<Precision>().Where(p => device.BestUnit(unit, p) is not null))
                foreach (var report in PowerAnalyzer.AnalyzeModes(model, device, Options(config, precision, unit, PowerModeKind.Performance), Modes(config)))
                    evaluated.Add((Judge(report, config.TargetBatteryLifeHours, config.MaxPowerWatts, config.ThermalLimitCelsius), report));
        if (evaluated.Count == 0) throw new UsageException($"device '{device.Name}' lists no compute unit to run the model on");

        var fastest = evaluated.Min(e => e.Candidate.LatencyMs);
        var candidates = evaluated.Select(e => WithPenalty(e.Candidate, fastest, config.PerformancePenaltyTolerance)).ToList();
        var chosen = Choose(candidates) ?? throw Unreachable(candidates, config.TargetBatteryLifeHours, c => c.Label);
        return new BatteryOptimizationResult
        {
            Config = config,
            DeviceId = device.Id,
            Candidates = candidates,
            Chosen = chosen,
            PowerAnalysis = evaluated[candidates.IndexOf(chosen)].Report,
        };
    }

    /// <summary>The modes searched: all three with dynamic scaling, performance alone without.</summary>
    public static IReadOnlyList<PowerModeKind> Modes(BatteryOptimizationConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.DynamicScaling ? Enum.GetValues<PowerModeKind>() : [PowerModeKind.Performance];
    }

    /// <summary>The feasible candidate with the longest battery life (ties: the lowest latency); null when none is feasible.</summary>
    public static BatteryCandidate? Choose(IEnumerable<BatteryCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var feasible = candidates.Where(c => c.Feasible).ToList();
        if (feasible.Count == 0) return null;
        var longest = feasible.Max(c => c.BatteryHours ?? 0);
        return feasible.Where(c => (c.BatteryHours ?? 0) >= longest * (1 - TieTolerance)).MinBy(c => c.LatencyMs);
    }

    /// <summary>
    /// The device's power figures and battery capacity, or the one-line error naming what is missing;
    /// <paramref name="record"/>.<paramref name="batteryMember"/> names the capacity override in the error.
    /// </summary>
    internal static DevicePower Require(EdgeDevice device, BatteryOptimizationConfig config, string record, string batteryMember)
    {
        var power = PowerAnalyzer.Require(device);
        if (config.BatteryWh is null && device.BatteryWh is null)
            throw new InvalidOptionsException([new($"device '{device.Name}' has no battery: give {{0}} (the capacity of the battery it runs on) to estimate battery life",
                $"{record}.{batteryMember}")]);
        return power;
    }

    internal static PowerOptions Options(BatteryOptimizationConfig config, Precision precision, ComputeUnitKind unit, PowerModeKind mode,
        int batch = 1, int? threads = null) => new()
    {
        Precision = precision,
        Unit = unit,
        Mode = mode,
        Batch = batch,
        Threads = threads,
        RatePerSecond = config.RatePerSecond ?? (config.DutyCycle is null ? BatteryOptimizationConfig.DefaultRatePerSecond : null),
        DutyCycle = config.DutyCycle,
        BatteryWh = config.BatteryWh,
        AmbientC = config.AmbientC,
    };

    /// <summary>A report's selected mode as a candidate, with every constraint but the latency tolerance checked.</summary>
    internal static BatteryCandidate Judge(PowerReport report, double? targetHours, double? maxPowerW, double? thermalLimitC)
    {
        var s = report.Selected;
        var rate = report.Battery.RatePerSecond;
        var limit = thermalLimitC ?? report.Thermal.LimitC;
        var rejections = new List<string>();
        if (!s.MeetsRate) rejections.Add(Invariant($"cannot keep up with {rate:G3}/s: {s.LatencyMs:G3} ms per inference"));
        else if (s.BatteryHours is { } h && targetHours is { } target && h < target)
            rejections.Add(Invariant($"battery {h:F1} h < target {target:0.##} h"));
        if (s.AveragePowerW is { } w && maxPowerW is { } max && w > max)
            rejections.Add(Invariant($"average power {w:G3} W > {max:G4} W"));
        if (report.Thermal.SteadyStateC > limit)
            rejections.Add(Invariant($"steady state {report.Thermal.SteadyStateC:F0} °C > {limit:G4} °C limit"));
        return new BatteryCandidate(report.Precision, report.Unit, report.UnitName, s.Mode, s.Point.Name, s.LatencyMs, s.Energy.TotalJ, rate,
            s.AveragePowerW, s.BatteryHours, report.Thermal.SteadyStateC, 0, rejections);
    }

    private static BatteryCandidate WithPenalty(BatteryCandidate c, double fastestMs, double? tolerance)
    {
        var penalty = fastestMs > 0 ? (c.LatencyMs / fastestMs) - 1 : 0;
        var result = c with { LatencyPenalty = penalty };
        return tolerance is { } t && penalty > t + 1e-12
            ? result with { Rejections = [.. c.Rejections, Invariant($"{penalty:P0} slower than the fastest ({fastestMs:G3} ms), over the {t:P0} tolerance")] }
            : result;
    }

    /// <summary>
    /// Why no candidate is feasible, in one line led by the best achievable battery life:
    /// <c>battery target 40 h cannot be met: best is 23.4 h (int8 on the NPU, battery-saver)</c>.
    /// </summary>
    internal static BatteryTargetException Unreachable(IReadOnlyList<BatteryCandidate> candidates, double target, Func<BatteryCandidate, string> label)
    {
        var withHours = candidates.Where(c => c.BatteryHours is not null).ToList();
        var best = withHours.Count > 0 ? withHours.MaxBy(c => c.BatteryHours!.Value) : null;
        string message;
        if (best is null)
        {
            var fastest = candidates.MinBy(c => c.LatencyMs);
            message = fastest is null
                ? Invariant($"battery target {target:0.##} h cannot be met: no candidate to run the model")
                : Invariant($"battery target {target:0.##} h cannot be met: no candidate keeps up with the rate (fastest: {fastest.LatencyMs:G3} ms, {label(fastest)})");
        }
        else if (best.BatteryHours < target)
            message = Invariant($"battery target {target:0.##} h cannot be met: best is {best.BatteryHours:F1} h ({label(best)})");
        else
        {
            // Some reach the target, but every one misses another constraint: the best that meets the others, or why the best misses them.
            var others = candidates.Where(c => c.Rejections.All(r => r.StartsWith("battery ", StringComparison.Ordinal))).ToList();
            var bestOther = others.Count > 0 ? others.MaxBy(c => c.BatteryHours ?? 0) : null;
            message = bestOther is { BatteryHours: { } h }
                ? Invariant($"battery target {target:0.##} h cannot be met within the other limits: best is {h:F1} h ({label(bestOther)})")
                : Invariant($"battery target {target:0.##} h cannot be met within the other limits: best is {best.BatteryHours:F1} h ({label(best)}) but {string.Join("; ", best.Rejections)}");
        }
        return new BatteryTargetException(message) { TargetHours = target, BestHours = best?.BatteryHours, Best = best, Candidates = candidates };
    }
}
