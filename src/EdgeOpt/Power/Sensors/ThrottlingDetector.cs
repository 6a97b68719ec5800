using System.Globalization;

namespace EdgeOpt.Power.Sensors;

/// <summary>
/// Two signs of thermal throttling. From sensors: a CPU running well under its maximum frequency while a thermal zone
/// is near a trip point that throttles (passive, hot, critical); either alone is normal (idle cores clock down, a
/// warm zone far from its trip is fine). Everywhere: latency that drifts up over a sustained run.
/// </summary>
public static class ThrottlingDetector
{
    /// <summary>A zone this close (°C) below a throttling trip counts as near it.</summary>
    public const double DefaultTripMarginCelsius = 5;

    /// <summary>A CPU below this fraction of its maximum frequency counts as under its cap.</summary>
    public const double DefaultUnderCapRatio = 0.9;

    /// <summary>Last-window median over first-window median above this suggests throttling.</summary>
    public const double DefaultDriftThreshold = 1.15;

    /// <summary>
    /// Throttling from frequency and temperature. The fastest CPU is judged (the one running the work; idle ones clock
    /// down by design) against its hardware maximum.
    /// </summary>
    public static ThrottlingVerdict FromSensors(IReadOnlyList<CpuFrequency> cpus, IReadOnlyList<ThermalZone> zones,
        double tripMarginCelsius = DefaultTripMarginCelsius, double underCapRatio = DefaultUnderCapRatio)
    {
        ArgumentNullException.ThrowIfNull(cpus);
        ArgumentNullException.ThrowIfNull(zones);
        if (cpus.Count == 0 || zones.Count == 0)
            return new(false, $"cannot tell from sensors: {(cpus.Count == 0 ? "no CPU frequency" : "no thermal zone")} readable");
        var fastest = cpus.MaxBy(c => c.CurrentKHz)!;
        var near = zones.SelectMany(z => z.Trips.Where(t => t.Throttles && z.Celsius >= t.Celsius - tripMarginCelsius).Select(t => (Zone: z, Trip: t)))
            .OrderBy(x => x.Trip.Celsius - x.Zone.Celsius).ToList();
        var hottest = zones.MaxBy(z => z.Celsius)!;
        var underCap = fastest.MaxKHz is { } max && fastest.CurrentKHz < underCapRatio * max;
        var frequency = fastest.MaxKHz is { } m
            ? Invariant($"cpu{fastest.Cpu} at {fastest.CurrentKHz / 1e6:F2} GHz, {100.0 * fastest.CurrentKHz / m:F0}% of its {m / 1e6:F2} GHz maximum")
            : Invariant($"cpu{fastest.Cpu} at {fastest.CurrentKHz / 1e6:F2} GHz (maximum unknown)");
        if (near.Count == 0)
            return new(false, Invariant($"no thermal zone within {tripMarginCelsius:0.#} °C of a throttling trip (hottest {hottest.Type} {hottest.Celsius:F1} °C); {frequency}"));
        var (zone, trip) = near[0];
        var temperature = Invariant($"{zone.Type} is {zone.Celsius:F1} °C, within {tripMarginCelsius:0.#} °C of its {trip.Type} trip at {trip.Celsius:F1} °C");
        return underCap
            ? new(true, $"{frequency} while {temperature}")
            : new(false, $"{temperature}, but {frequency}");
    }

    /// <summary>Throttling from latency drift (last-window median / first-window median) against <paramref name="threshold"/>.</summary>
    public static ThrottlingVerdict FromDrift(double drift, double threshold = DefaultDriftThreshold) =>
        double.IsFinite(drift) && drift > threshold
            ? new(true, Invariant($"latency drift {drift:F2}× (last window's median over the first's) is above {threshold:F2}×"))
            : new(false, Invariant($"latency drift {drift:F2}× is within {threshold:F2}×"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
