using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Power.Internal;
using static System.FormattableString;

namespace EdgeOpt.Power;

/// <summary>
/// Energy per inference, battery life, the performance/balanced/battery-saver trade-off and the thermal outlook of a
/// model on a device (<c>edgeopt power</c>). Everything is estimated: the per-node MACs and bytes of
/// <see cref="LatencyEstimator"/> priced with <see cref="EnergyCoefficients"/> and the device's
/// <see cref="DevicePower"/> figures.
/// </summary>
public static class PowerAnalyzer
{
    /// <summary>The lowest clock share pacing may pick (below it, voltage stops falling and leakage dominates).</summary>
    public const double MinClockScale = 0.3;

    /// <exception cref="UsageException">Invalid options, or a device without power figures (the message says which and how to supply them).</exception>
    public static PowerReport Analyze(Model model, EdgeDevice device, PowerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(device);
        options ??= PowerOptions.Default;
        return AnalyzeModes(model, device, options, [options.Mode])[0];
    }

    /// <summary>
    /// <see cref="Analyze"/> with <paramref name="options"/> in each of <paramref name="modes"/>: the latency estimate
    /// behind them all is made once (only the headline mode differs between the reports).
    /// </summary>
    internal static IReadOnlyList<PowerReport> AnalyzeModes(Model model, EdgeDevice device, PowerOptions options, IReadOnlyList<PowerModeKind> modes)
    {
        ThrowHelper.IfInvalid(options.Validate());
        var power = Require(device);
        var estimate = Estimate(model, device, options, options.Precision, options.Unit);
        return modes.Select(mode => Report(model, device, power, options with { Mode = mode }, estimate)).ToList();
    }

    private static PowerReport Report(Model model, EdgeDevice device, DevicePower power, PowerOptions options, LatencyEstimate estimate)
    {
        var points = OperatingPoints.For(power);
        var outcomes = points.Select(p => EnergyModel.Evaluate(estimate, device, power, p)).ToList();
        var selected = (int)options.Mode;
        var rate = options.RatePerSecond
            ?? (options.DutyCycle is { } duty ? duty * 1e3 / outcomes[selected].LatencyMs : 1e3 / outcomes[selected].LatencyMs);
        var capacity = options.BatteryWh ?? device.BatteryWh;
        var baseline = power.EffectiveBaselineW;

        var modes = points.Select((p, i) =>
        {
            var o = outcomes[i];
            var meets = rate * o.LatencyMs / 1e3 <= 1 + 1e-9;
            double? average = meets ? baseline + (rate * o.Energy.ModelJ) : null;
            double? hours = meets && capacity is { } wh ? wh / average!.Value : null;
            return new ModeEstimate(p.Mode, p, o.LatencyMs, o.Energy, o.Energy.TotalJ / (o.LatencyMs / 1e3), average, hours, meets);
        }).ToList();

        var battery = Battery(estimate, device, power, points, outcomes, selected, rate, capacity, baseline);
        var thermal = Thermal(model, device, power, options, estimate, points[selected], outcomes[selected], rate, baseline);
        return new PowerReport
        {
            Method = Method(power, estimate),
            DeviceId = device.Id,
            DeviceName = device.Name,
            Precision = estimate.Precision,
            Unit = estimate.Unit,
            UnitName = estimate.UnitName,
            Macs = estimate.TotalMacs / Math.Max(1, estimate.Batch),
            Mode = options.Mode,
            Selected = modes[selected],
            Modes = modes,
            Battery = battery,
            Thermal = thermal,
            Coefficients = EnergyCoefficients.All,
            DeviceSources = power.Sources,
        };
    }

    /// <summary>The device's power figures, or a one-line error naming what is missing and how to give it.</summary>
    public static DevicePower Require(EdgeDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Power is { } power)
        {
            var bad = new List<string>();
            if (!(power.ProcessNm > 0)) bad.Add("processNm must be positive");
            if (!(power.IdleW >= 0)) bad.Add("idleW must be 0 or more");
            if (power.BaselineW is { } baseline && !(baseline >= 0)) bad.Add("baselineW must be 0 or more");
            if (!(power.ThermalTimeConstantS > 0)) bad.Add("thermalTimeConstantS must be positive");
            if (!(power.ThermalLimitC > 0)) bad.Add("thermalLimitC must be positive");
            if (power.ThermalResistanceCPerW is { } r && !(r > 0)) bad.Add("thermalResistanceCPerW must be positive");
            // A device.json may hold null entries ("units": [null]) and names with control characters: refused by field.
            if (power.Units.Any(u => u is null)) bad.Add("units[] holds a null entry");
            else if (power.Units.Any(u => !(u.ActiveW >= 0))) bad.Add("units[].activeW must be 0 or more");
            if (power.Modes.Any(m => m is null)) bad.Add("modes[] holds a null entry");
            else
            {
                if (power.Modes.Any(m => !(m.ClockScale > 0 && m.ClockScale <= 1))) bad.Add("modes[].clockScale must be in (0, 1]");
                if (power.Modes.Any(m => m.Name is not { Length: > 0 } name || name.Any(FileText.BreaksLine))) bad.Add("modes[].name must be a one-line name");
            }
            if (bad.Count > 0) throw new UsageException($"device '{device.Name}' power figures: {string.Join("; ", bad)}");
            return power;
        }
        throw new UsageException($"device '{device.Name}' has no power figures (processNm, idleW, thermalLimitC, thermalTimeConstantS): " +
            "give them as a \"power\" object in a device.json (see docs/cli.md, 'edgeopt power')");
    }

    internal static LatencyEstimate Estimate(Model model, EdgeDevice device, PowerOptions options, Precision precision, ComputeUnitKind? unit) =>
        LatencyEstimator.Estimate(model, device, new EstimateOptions { Precision = precision, Unit = unit, Batch = options.Batch, DimensionValues = options.DimensionValues, Threads = options.Threads });

    private static BatteryEstimate Battery(LatencyEstimate estimate, EdgeDevice device, DevicePower power, IReadOnlyList<OperatingPoint> points,
        IReadOnlyList<EnergyModel.Outcome> outcomes, int selected, double rate, double? capacity, double baseline)
    {
        var modelW = rate * outcomes[selected].Energy.ModelJ;
        double? hours = capacity is { } wh ? wh / (baseline + modelW) : null;
        var raceW = rate * outcomes[(int)PowerModeKind.Performance].Energy.ModelJ;

        // Pacing: the lowest clock whose latency still fits the period, bisected on the clock share.
        var period = 1e3 / rate;
        var lowest = Math.Max(MinClockScale, points.Min(p => p.ClockScale));
        EnergyModel.Outcome At(double clock) =>
            EnergyModel.Evaluate(estimate, device, power, new OperatingPoint("paced", PowerModeKind.Balanced, clock));
        double? pacedClock = null;
        if (At(lowest).LatencyMs <= period) pacedClock = lowest;
        else if (At(1).LatencyMs <= period)
        {
            double lo = lowest, hi = 1;
            for (var i = 0; i < 40; i++) { var mid = (lo + hi) / 2; if (At(mid).LatencyMs <= period) hi = mid; else lo = mid; }
            pacedClock = hi;
        }
        double? pacedW = pacedClock is { } c ? rate * At(c).Energy.ModelJ : null;
        var topMeets = outcomes[(int)PowerModeKind.Performance].LatencyMs <= period;
        var winner = !topMeets ? Invariant($"neither: no clock meets {rate:G3}/s (the top clock takes {outcomes[(int)PowerModeKind.Performance].LatencyMs:G3} ms of a {period:G3} ms period)")
            : pacedW is not { } p ? "race-to-idle: only the top clock meets the rate"
            : p < raceW ? Invariant($"paced at {pacedClock:P0} clock: {p:F3} W vs {raceW:F3} W racing to idle ({1 - (p / raceW):P0} less)")
            : Invariant($"race-to-idle: {raceW:F3} W vs {p:F3} W paced at {pacedClock:P0} clock ({1 - (raceW / p):P0} less)");
        return new BatteryEstimate(rate, capacity, baseline, modelW, hours, modelW / (baseline + modelW), raceW, pacedW, pacedClock, winner);
    }

    private static ThermalEstimate Thermal(Model model, EdgeDevice device, DevicePower power, PowerOptions options, LatencyEstimate estimate,
        OperatingPoint point, EnergyModel.Outcome outcome, double rate, double baseline)
    {
        var resistance = ThermalResistance(device, power);
        var ambient = options.AmbientC;
        var limit = power.ThermalLimitC;
        var tau = power.ThermalTimeConstantS;
        var effectiveRate = Math.Min(rate, 1e3 / outcome.LatencyMs);
        var watts = baseline + (effectiveRate * outcome.Energy.ModelJ);
        var steady = ambient + (watts * resistance);
        var headroomW = (limit - ambient) / resistance;
        double? toLimit = steady <= limit ? null : ambient >= limit ? 0 : -tau * Math.Log(1 - ((limit - ambient) / (watts * resistance)));
        var maxRate = Math.Min(1e3 / outcome.LatencyMs, Math.Max(0, headroomW - baseline) / outcome.Energy.ModelJ);

        double? throttledMs = null;
        var advice = new List<string>();
        if (steady > limit)
        {
            // Throttling lowers the clock until the power fits under the headroom at this rate (or the lowest clock).
            EnergyModel.Outcome At(double clock) => EnergyModel.Evaluate(estimate, device, power, point with { Name = "throttled", ClockScale = clock, VoltageScale = null, CpuClockScale = null });
            bool Fits(double clock) { var o = At(clock); return baseline + (Math.Min(rate, 1e3 / o.LatencyMs) * o.Energy.ModelJ) <= headroomW; }
            var top = point.ClockScale;
            if (Fits(MinClockScale))
            {
                double lo = MinClockScale, hi = top;
                for (var i = 0; i < 40; i++) { var mid = (lo + hi) / 2; if (Fits(mid)) lo = mid; else hi = mid; }
                throttledMs = At(lo).LatencyMs;
            }
            advice.Add(Invariant($"lower the rate to {maxRate:G3}/s or less: steady state {steady:F0} °C exceeds the {limit:F0} °C limit"));
            foreach (var mode in new[] { PowerModeKind.Balanced, PowerModeKind.BatterySaver })
            {
                if ((int)mode <= (int)options.Mode) continue;
                var lower = OperatingPoints.For(power)[(int)mode];
                var o = EnergyModel.Evaluate(estimate, device, power, lower);
                var w = baseline + (Math.Min(rate, 1e3 / o.LatencyMs) * o.Energy.ModelJ);
                if (ambient + (w * resistance) <= limit && rate * o.LatencyMs / 1e3 <= 1)
                    advice.Add(Invariant($"use {PowerModeNames.Of(mode)} ({lower.Name}): {o.LatencyMs:G3} ms, {ambient + (w * resistance):F0} °C steady"));
            }
            if (estimate.Precision != Precision.Int8 && device.ComputeUnits.Any(u => u.PeakGops.ContainsKey(Precision.Int8)))
            {
                var int8 = Estimate(model, device, options, Precision.Int8, device.ComputeUnits.Any(u => u.Kind == estimate.Unit && u.PeakGops.ContainsKey(Precision.Int8)) ? estimate.Unit : null);
                var o = EnergyModel.Evaluate(int8, device, power, OperatingPoints.For(power)[(int)options.Mode]);
                var w = baseline + (Math.Min(rate, 1e3 / o.LatencyMs) * o.Energy.ModelJ);
                var c = ambient + (w * resistance);
                advice.Add(Invariant($"quantize to INT8 ({int8.Unit}): {o.Energy.ModelJ * 1e3:G3} mJ per inference, {c:F0} °C steady{(c <= limit ? " (under the limit)" : " (still over)")}"));
            }
        }
        else advice.Add(Invariant($"none needed: steady state {steady:F0} °C stays under the {limit:F0} °C limit"));
        return new ThermalEstimate(ambient, limit, resistance, tau, watts, steady, toLimit, throttledMs, maxRate, advice);
    }

    /// <summary>R = given, or (limit − 25 °C) / sustained power: the device holds its sustained power at its limit in a 25 °C room.</summary>
    public static double ThermalResistance(EdgeDevice device, DevicePower power)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(power);
        if (power.ThermalResistanceCPerW is { } r) return r;
        if (device.SustainedPowerW is not { } sustained || sustained <= 0)
            throw new UsageException($"device '{device.Name}' has neither power.thermalResistanceCPerW nor sustainedPowerW: give one in its device.json");
        return (power.ThermalLimitC - 25) / sustained;
    }

    private static string Method(DevicePower power, LatencyEstimate estimate) => Invariant(
        $"estimated: energy = Σ nodes (MACs × e_mac + other ops × e_add) × ({power.ProcessNm:G3} nm / 45 nm) × unit overhead (fitted) × (V/Vmax)² ") +
        "+ bytes × (SRAM e/byte, scaled like compute) + off-chip bytes × DRAM e/byte + (device idle + unit leakage) × time; " +
        "time from the roofline latency estimate (" + estimate.Method + ") with compute-bound nodes slowed by the clock; " +
        "modes as operating points (vendor modes where the catalogue has them, else 100/85/65 % clock with V/Vmax = 0.6 + 0.4 f/fmax); " +
        "thermal: first-order RC, T(t) = ambient + P·R·(1 − e^(−t/τ))";
}
