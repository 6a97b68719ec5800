namespace EdgeOpt.Deployment;

/// <summary>
/// The deploy search's decisions as pure functions of evaluated <see cref="CandidateResult"/>s: each constraint
/// checked with its margin, the Pareto front over (quality ↑, estimated target latency ↓, size ↓, estimated memory ↓),
/// and the choice — the fastest on the target among those meeting every constraint (ties: fastest measured here, then
/// smallest), or, when none
/// does, the closest (smallest total violation, each violation normalised by its limit).
/// </summary>
internal static class DeploymentSelection
{
    /// <summary>What the quality figures are measured against.</summary>
    /// <param name="Baseline">The FP32 baseline (its accuracy is what <see cref="OptimizationConfig.TargetAccuracy"/> is a fraction of).</param>
    /// <param name="OriginalSizeBytes">The input model file's size (what <see cref="OptimizationConfig.CompressionRatio"/> divides by).</param>
    /// <param name="HasLabels">Accuracy on labels; otherwise accuracy constraints are checked as fidelity to FP32.</param>
    public sealed record Reference(CandidateResult Baseline, long OriginalSizeBytes, bool HasLabels);

    /// <summary>The outcome of <see cref="Select"/>.</summary>
    public sealed record Selection(IReadOnlyList<string> ParetoFront, CandidateResult Chosen, bool ConstraintsMet, IReadOnlyList<ConstraintCheck> Checks);

    /// <summary>
    /// Front, choice and checks over the evaluated candidates (others are ignored). The front spans every evaluated
    /// candidate; the choice only those <paramref name="eligible"/> accepts (all by default; a fixed precision leaves
    /// the FP32 baseline out).
    /// </summary>
    /// <exception cref="InvalidOperationException">No eligible candidate was evaluated.</exception>
    public static Selection Select(IReadOnlyList<CandidateResult> candidates, Reference reference, OptimizationConfig config,
        Func<CandidateResult, bool>? eligible = null)
    {
        var evaluated = candidates.Where(c => c.Status == CandidateStatus.Evaluated).ToList();
        var front = ParetoFront(evaluated, reference);
        evaluated = [.. evaluated.Where(c => eligible?.Invoke(c) ?? true)];
        if (evaluated.Count == 0) throw new InvalidOperationException("no eligible candidate was evaluated");
        var checks = evaluated.ToDictionary(c => c.Key, c => Check(c, reference, config), StringComparer.Ordinal);
        var meeting = evaluated.Where(c => checks[c.Key].All(k => k.Met)).ToList();
        var onFront = new HashSet<string>(front, StringComparer.Ordinal);
        var chosen = meeting.Count > 0
            ? Best(meeting, c => config.BatteryOptimization ? EnergyScore(c) : c.EstimatedLatencyMs ?? double.MaxValue, onFront)
            : evaluated.OrderBy(c => TotalViolation(checks[c.Key]))
                .ThenBy(c => c.EstimatedLatencyMs ?? double.MaxValue)
                .ThenBy(c => c.SizeBytes ?? long.MaxValue)
                .ThenBy(c => c.Key, StringComparer.Ordinal).First();
        return new Selection(front, chosen, meeting.Count > 0, checks[chosen.Key]);
    }

    /// <summary>Estimates this close (relative) count as a tie: the latency model cannot tell them apart.</summary>
    public const double TieTolerance = 0.01;

    /// <summary>Host measurements this close (relative to FP32 in the same run) count as equally fast: timing noise.</summary>
    public const double HostTolerance = 0.25;

    /// <summary>
    /// The lowest <paramref name="score"/>. Candidates within <see cref="TieTolerance"/> of it are a tie: among them
    /// those measured (nearly) fastest on this host relative to the FP32 baseline of the same interleaved run stay — an
    /// estimate that cannot separate two kernels (static and dynamic INT8 Conv) should not pick the one that runs
    /// several times slower wherever we can measure — then Pareto-front members, then the smallest.
    /// </summary>
    private static CandidateResult Best(List<CandidateResult> pool, Func<CandidateResult, double> score, HashSet<string> front)
    {
        var best = pool.Min(score);
        var tied = pool.Where(c => score(c) <= best + Math.Abs(best) * TieTolerance).ToList();
        var fastestHere = tied.Min(HostRatio);
        return tied.Where(c => HostRatio(c) <= fastestHere * (1 + HostTolerance))
            .OrderBy(c => front.Contains(c.Key) ? 0 : 1)
            .ThenBy(c => c.SizeBytes ?? long.MaxValue)
            .ThenBy(score)
            .ThenBy(HostRatio)
            .ThenBy(c => c.Key, StringComparer.Ordinal).First();
    }

    /// <summary>Host p50 over the baseline's p50 measured alongside it; unknown counts as no better than any other.</summary>
    private static double HostRatio(CandidateResult c) =>
        c.MeasuredLatencyP50Ms is { } p && c.MeasuredBaselineP50Ms is > 0 ? p / c.MeasuredBaselineP50Ms.Value : double.MaxValue;

    /// <summary>The quality a candidate is ranked by: top-1 accuracy with labels, otherwise cosine to FP32 (top-1 agreement when cosine is missing).</summary>
    public static double? Quality(CandidateResult c, bool hasLabels) =>
        hasLabels ? c.MeasuredAccuracy : c.MeasuredCosine ?? c.MeasuredTop1Agreement;

    /// <summary>
    /// Keys of the candidates no other candidate dominates (at least as good in every objective, better in one).
    /// A missing figure counts as the worst value.
    /// </summary>
    public static IReadOnlyList<string> ParetoFront(IReadOnlyList<CandidateResult> evaluated, Reference reference)
    {
        var points = evaluated.Select(c => (c.Key, Objectives: new[]
        {
            -(Quality(c, reference.HasLabels) ?? double.NegativeInfinity),
            c.EstimatedLatencyMs ?? double.PositiveInfinity,
            c.SizeBytes is { } s ? s : double.PositiveInfinity,
            c.EstimatedMemoryBytes is { } m ? m : double.PositiveInfinity,
        })).ToList();
        return [.. points.Where(p => !points.Any(q => Dominates(q.Objectives, p.Objectives))).Select(p => p.Key)];
    }

    private static bool Dominates(double[] a, double[] b)
    {
        var better = false;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] > b[i]) return false;
            if (a[i] < b[i]) better = true;
        }
        return better;
    }

    /// <summary>
    /// Every constraint of <paramref name="config"/> checked on <paramref name="c"/>: the margin is positive when met
    /// (by that much, in the constraint's unit) and negative when violated; a figure that was not measured fails its check.
    /// </summary>
    public static IReadOnlyList<ConstraintCheck> Check(CandidateResult c, Reference reference, OptimizationConfig config)
    {
        var checks = new List<ConstraintCheck>();
        if (config.TargetLatencyMs is { } latency)
            checks.Add(AtMost("target latency", latency, c.EstimatedLatencyMs, "ms", "estimated"));
        if (config.MaxMemoryMb is { } memory)
            checks.Add(AtMost("max memory", memory, c.EstimatedMemoryBytes / 1e6, "MB", "estimated"));
        if (config.BatteryHours is { } hours)
            checks.Add(AtLeast("battery life", hours, c.Power?.BatteryHours, "h", "estimated"));
        if (config.MaxPowerWatts is { } watts)
            checks.Add(AtMost("average power", watts, c.Power?.AveragePowerW, "W", "estimated"));
        if (config.ThermalLimitCelsius is { } celsius)
            checks.Add(AtMost("steady-state temperature", celsius, c.Power?.SteadyStateC, "°C", "estimated"));
        if (config.TargetAccuracy is { } kept)
        {
            var (name, value) = reference.HasLabels
                ? ("accuracy kept (of FP32's)", Ratio(c.MeasuredAccuracy, reference.Baseline.MeasuredAccuracy))
                : FidelityKept(c);
            checks.Add(AtLeast(name, kept, value, "fraction", "measured"));
        }
        if (config.MaxAccuracyDrop is { } drop)
        {
            var (name, value) = reference.HasLabels
                ? ("accuracy drop", (reference.Baseline.MeasuredAccuracy - c.MeasuredAccuracy) * 100)
                : FidelityDrop(c);
            checks.Add(AtMost(name, drop, value, "points", "measured"));
        }
        if (config.MinFidelity is { } cosine)
            checks.Add(AtLeast("min fidelity (cosine to FP32)", cosine, c.MeasuredCosine, "cosine", "measured"));
        if (config.CompressionRatio is { } ratio)
            checks.Add(AtMost("compression ratio", ratio, c.SizeBytes is { } size && reference.OriginalSizeBytes > 0 ? (double)size / reference.OriginalSizeBytes : null,
                "of original size", "measured"));
        return checks;
    }

    // Without labels, "fraction of FP32 accuracy kept" is read as the share of FP32's top-1 predictions kept (or the cosine
    // for outputs that are not classification-shaped); the drop is the share of predictions that changed, in points.
    private static (string Name, double? Value) FidelityKept(CandidateResult c) => c.MeasuredTop1Agreement is { } agreement
        ? ("fidelity kept (top-1 agreement with FP32)", agreement)
        : ("fidelity kept (cosine to FP32)", c.MeasuredCosine);

    private static (string Name, double? Value) FidelityDrop(CandidateResult c) => c.MeasuredTop1Agreement is { } agreement
        ? ("fidelity drop (top-1 disagreement with FP32)", (1 - agreement) * 100)
        : ("fidelity drop ((1 - cosine to FP32) x 100)", c.MeasuredCosine is { } cos ? (1 - cos) * 100 : null);

    private static double? Ratio(double? value, double? baseline) => value is { } v && baseline is > 0 ? v / baseline.Value : null;

    private static ConstraintCheck AtMost(string name, double limit, double? value, string unit, string provenance) =>
        new(name, limit, value, unit, value is { } v && v <= limit, value is { } w ? limit - w : null, provenance);

    private static ConstraintCheck AtLeast(string name, double limit, double? value, string unit, string provenance) =>
        new(name, limit, value, unit, value is { } v && v >= limit, value is { } w ? w - limit : null, provenance);

    /// <summary>
    /// The sum over failed checks of the shortfall over the limit (a limit of 0 counts as 1 unit); a figure that was not
    /// measured counts as 1 (100% off).
    /// </summary>
    public static double TotalViolation(IReadOnlyList<ConstraintCheck> checks) =>
        checks.Where(k => !k.Met).Sum(k => k.Margin is { } m ? -m / (k.Limit > 0 ? k.Limit : 1) : 1);

    /// <summary>
    /// Energy per inference: the power model's (mJ) where the deployment estimated it, else approximated as core-milliseconds: estimated target latency × active CPU cores (threads on
    /// CPU backends; an accelerator backend counts as one). Race-to-idle on fewer cores wins when latencies are close.
    /// </summary>
    public static double EnergyScore(CandidateResult c) => c.Power is { } power ? power.EnergyMj :
        (c.EstimatedLatencyMs ?? double.MaxValue) * (IsCpuBackend(c.Spec.Backend) ? Math.Max(1, c.Spec.Threads) : 1);

    /// <summary>Backends whose kernels run on the CPU cores (threads matter there).</summary>
    public static bool IsCpuBackend(Devices.AccelerationBackend backend) =>
        backend is Devices.AccelerationBackend.Cpu or Devices.AccelerationBackend.Xnnpack or Devices.AccelerationBackend.Wasm;
}
