using EdgeOpt.Deployment;

namespace EdgeOpt.Sweep;

/// <summary>
/// Builds the report from the manifest and the stored results: per model and device, which candidates meet the
/// constraints, the Pareto front and the choice — the fastest (estimated on the device) that meets every constraint,
/// smaller size breaking ties; when none does, the fastest evaluated one, with <c>ConstraintsMet</c> false.
/// </summary>
internal static class SweepSelection
{
    public static SweepReport Build(SweepManifest manifest, Func<string, CandidateResult?> lookup)
    {
        var missing = 0;
        var models = new List<SweepModelReport>();
        foreach (var model in manifest.Candidates.GroupBy(c => (c.Model, c.ModelSha256)))
        {
            var devices = new List<SweepDeviceReport>();
            foreach (var device in model.GroupBy(c => c.Device))
            {
                var rows = new List<SweepRow>();
                foreach (var candidate in device)
                {
                    if (lookup(candidate.Key) is { } result) rows.Add(Row(candidate, result, manifest.Constraints));
                    else missing++;
                }
                devices.Add(Choose(device.Key, rows));
            }
            models.Add(new SweepModelReport(model.Key.Model, model.Key.ModelSha256, devices));
        }
        return new SweepReport { Constraints = manifest.Constraints, Models = models, Missing = missing };
    }

    private static SweepDeviceReport Choose(string device, List<SweepRow> rows)
    {
        var evaluated = rows.Where(r => r.Status == CandidateStatus.Evaluated).ToList();
        var front = evaluated.Where(r => !evaluated.Any(o => Dominates(o, r))).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var meeting = evaluated.Where(r => r.MeetsConstraints).ToList();
        var chosen = (meeting.Count > 0 ? meeting : evaluated)
            .OrderBy(r => r.EstimatedLatencyMs ?? double.PositiveInfinity).ThenBy(r => r.SizeBytes ?? long.MaxValue).ThenBy(r => r.Key, StringComparer.Ordinal)
            .FirstOrDefault();
        var marked = rows.Select(r => r with { OnParetoFront = front.Contains(r.Key), Chosen = chosen is not null && r.Key == chosen.Key }).ToList();
        return new SweepDeviceReport(device, marked.FirstOrDefault(r => r.Chosen), meeting.Count > 0, marked);
    }

    // At least as good on latency, size and quality, and better on one; an unknown figure is never better.
    private static bool Dominates(SweepRow a, SweepRow b)
    {
        var latency = Compare(b.EstimatedLatencyMs, a.EstimatedLatencyMs);
        var size = Compare(b.SizeBytes, a.SizeBytes);
        var quality = Compare(a.Quality, b.Quality);
        return latency >= 0 && size >= 0 && quality >= 0 && (latency > 0 || size > 0 || quality > 0);

        // > 0: the first is larger (so the second is better for "smaller is better" figures); unknown on either side: equal.
        static int Compare(double? x, double? y) => x is { } p && y is { } q ? p.CompareTo(q) : 0;
    }

    private static SweepRow Row(SweepCandidate candidate, CandidateResult result, SweepConstraints constraints)
    {
        var (quality, metric) = result.MeasuredAccuracy is { } accuracy ? (accuracy, "accuracy")
            : result.MeasuredTop1Agreement is { } agreement ? (agreement, "top-1 agreement")
            : result.MeasuredCosine is { } cosine ? (cosine, "cosine") : ((double?)null, (string?)null);
        return new SweepRow
        {
            Model = candidate.Model, Device = candidate.Device, Precision = SweepPrecisions.Name(candidate.Precision), Key = candidate.Key,
            Status = result.Status, Reason = result.Reason, SizeBytes = result.SizeBytes, EstimatedLatencyMs = result.EstimatedLatencyMs,
            EstimatedMemoryBytes = result.EstimatedMemoryBytes, MeasuredLatencyP50Ms = result.MeasuredLatencyP50Ms, Quality = quality,
            QualityMetric = metric, MeetsConstraints = result.Status == CandidateStatus.Evaluated && Meets(result, constraints),
            Host = result.Host, ToolVersion = result.Spec.ToolVersion, EvaluationSeconds = result.EvaluationSeconds,
        };
    }

    // A constraint on a figure the estimator could not give is not met: the choice must be known to fit.
    private static bool Meets(CandidateResult r, SweepConstraints c) =>
        (c.TargetLatencyMs is not { } latency || r.EstimatedLatencyMs is { } l && l <= latency)
        && (c.MaxMemoryMb is not { } memory || r.EstimatedMemoryBytes is { } m && m <= memory * 1024 * 1024)
        && (c.MaxSizeMb is not { } size || r.SizeBytes is { } s && s <= size * 1024 * 1024);
}
