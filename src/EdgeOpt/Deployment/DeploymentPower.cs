using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Power;
using static System.FormattableString;

namespace EdgeOpt.Deployment;

/// <summary>
/// The deploy search's battery side: every evaluated candidate's energy per inference, battery life, power and
/// temperature on the target with <see cref="PowerAnalyzer"/> (at its compute precision, unit, threads and batch), in
/// each power mode when battery constraints are given. Each candidate keeps the fastest mode that meets them (the mode
/// changes the estimate, not the file), and its target latency becomes that mode's.
/// </summary>
internal static class DeploymentPower
{
    /// <summary>
    /// What must hold before searching: the device has power figures (and a thermal resistance), and a battery when
    /// <see cref="OptimizationConfig.BatteryHours"/> is given (or <see cref="OptimizationConfig.BatteryWh"/>).
    /// </summary>
    /// <exception cref="UsageException">The device has no power figures (the message names them).</exception>
    /// <exception cref="InvalidOptionsException">A battery target for a device without a battery and no capacity given.</exception>
    public static void Require(EdgeDevice device, OptimizationConfig config)
    {
        if (!config.EstimatesPower) return;
        var power = PowerAnalyzer.Require(device);
        PowerAnalyzer.ThermalResistance(device, power);
        if (config.BatteryHours is not null && config.BatteryWh is null && device.BatteryWh is null)
            throw new InvalidOptionsException([new($"device '{device.Name}' has no battery: give {{0}} (the capacity of the battery it runs on) to meet {{1}}",
                $"{nameof(OptimizationConfig)}.{nameof(OptimizationConfig.BatteryWh)}", $"{nameof(OptimizationConfig)}.{nameof(OptimizationConfig.BatteryHours)}")]);
    }

    /// <summary>The candidates with <see cref="CandidateResult.Power"/> set on the evaluated ones (the others unchanged).</summary>
    public static IReadOnlyList<CandidateResult> Attach(IReadOnlyList<CandidateResult> candidates, EdgeDevice device, OptimizationConfig config,
        Func<CandidateSpec, Model> estimationModel)
    {
        if (!config.EstimatesPower) return candidates;
        var battery = new BatteryOptimizationConfig { RatePerSecond = config.RatePerSecond, BatteryWh = config.BatteryWh };
        IReadOnlyList<PowerModeKind> modes = config.HasBatteryConstraints ? Enum.GetValues<PowerModeKind>() : [PowerModeKind.Performance];
        var results = new List<CandidateResult>(candidates.Count);
        foreach (var c in candidates)
        {
            if (c.Status != CandidateStatus.Evaluated)
            {
                results.Add(c);
                continue;
            }
            var unit = BackendUnits.UnitOf(c.Spec.Backend);
            var precision = CandidateSpace.ComputePrecision(c.Spec.Precision);
            if (precision != Precision.Fp32 && device.BestUnit(unit, precision) is null) precision = Precision.Fp32;
            if (device.BestUnit(unit, precision) is null)
            {
                results.Add(c with { Notes = [.. c.Notes, $"no energy estimate: {device.Id} lists no {unit.ToString().ToUpperInvariant()} figures"] });
                continue;
            }
            using var model = estimationModel(c.Spec).Clone();
            var options = BatteryOptimizer.Options(battery, precision, unit, PowerModeKind.Performance, c.Spec.BatchSize, unit == ComputeUnitKind.Cpu ? c.Spec.Threads : null);
            var weighed = PowerAnalyzer.AnalyzeModes(model, device, options, modes)
                .Select(report => BatteryOptimizer.Judge(report, config.BatteryHours, config.MaxPowerWatts, config.ThermalLimitCelsius ?? double.PositiveInfinity))
                .ToList();
            // The fastest mode meeting the constraints; else the closest (fewest missed, then the longest battery life).
            var chosen = weighed.Where(m => m.Feasible).MinBy(m => m.LatencyMs)
                ?? weighed.OrderBy(m => m.Rejections.Count).ThenByDescending(m => m.BatteryHours ?? -1).ThenBy(m => m.LatencyMs).First();
            var performance = weighed.First(m => m.Mode == PowerModeKind.Performance);
            var power = new CandidatePower(chosen.Mode, chosen.PointName, chosen.LatencyMs, chosen.EnergyPerInferenceJ * 1e3, chosen.RatePerSecond,
                chosen.AveragePowerW, chosen.BatteryHours, chosen.SteadyStateC, chosen.Rejections, weighed);
            var result = c with { Power = power };
            if (chosen.Mode != PowerModeKind.Performance && c.EstimatedLatencyMs is { } ms && performance.LatencyMs > 0)
            {
                var scale = chosen.LatencyMs / performance.LatencyMs;
                result = result with
                {
                    EstimatedLatencyMs = ms * scale,
                    Notes = [.. c.Notes, Invariant($"target latency in {PowerModeNames.Of(chosen.Mode)} mode ({chosen.PointName}): {scale:0.##}x the performance mode's {ms:0.###} ms")],
                };
            }
            results.Add(result);
        }
        return results;
    }

    /// <summary>
    /// Throws when <see cref="OptimizationConfig.BatteryHours"/> is given and no eligible candidate reaches it in any
    /// mode: nothing is worth writing, and the message gives the best achievable battery life.
    /// </summary>
    /// <exception cref="BatteryTargetException">The target is out of reach.</exception>
    public static void ThrowIfUnreachable(IReadOnlyList<CandidateResult> candidates, OptimizationConfig config, Func<CandidateResult, bool>? eligible)
    {
        if (config.BatteryHours is not { } target) return;
        var labels = new Dictionary<BatteryCandidate, string>(ReferenceEqualityComparer.Instance);
        foreach (var c in candidates.Where(c => c.Status == CandidateStatus.Evaluated && c.Power is not null && (eligible?.Invoke(c) ?? true)))
            foreach (var m in c.Power!.Modes)
                labels[m] = $"{c.Label}, {PowerModeNames.Of(m.Mode)}";
        if (labels.Keys.Any(m => m.BatteryHours >= target)) return;
        throw BatteryOptimizer.Unreachable([.. labels.Keys], target, m => labels[m]);
    }
}
