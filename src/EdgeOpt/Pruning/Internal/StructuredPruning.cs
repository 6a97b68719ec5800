using System.Globalization;
using EdgeOpt.Analysis;
using EdgeOpt.Data;
using EdgeOpt.Onnx;

namespace EdgeOpt.Pruning.Internal;

/// <summary>Structured channel pruning: dependency groups, importance, allocation, removal (and recovery through <see cref="ChannelReconstruction"/>).</summary>
internal static class StructuredPruning
{
    /// <summary>Generated input sets the sensitivity probes run on when no data is given.</summary>
    private const int GeneratedProbeSamples = 2;

    /// <summary>Prunes <paramref name="work"/> (a copy of <paramref name="original"/>) in place.</summary>
    public static PruningOutcome Run(Model original, Model work, PruningOptions options, IReadOnlyList<IReadOnlyDictionary<string, Tensor>>? samples,
        IProgress<PruningProgress>? progress, CancellationToken cancellation)
    {
        progress?.Report(new PruningProgress("analysing", 0, 0));
        DependencyGraph plan;
        using (var typed = work.Clone())
        {
            try
            {
                ShapeInference.Infer(typed);
            }
            catch (EdgeOptException)
            {
                // Shapes found before the failure are kept; rules that need a missing one leave their group whole.
            }
            plan = DependencyGraph.Build(typed, options.ExcludedNodes);
        }
        var groups = plan.Groups;
        var roundTo = options.RoundTo;
        var prunable = groups.Where(g => g.Prunable && g.Channels > roundTo).ToList();
        if (groups.Count == 0)
            ThrowHelper.Usage($"no prunable group in graph '{work.Graph.Name}': it has no Conv, ConvTranspose, Gemm or MatMul with constant weights whose channels could be removed");
        if (prunable.Count == 0)
            ThrowHelper.Usage($"no prunable group in graph '{work.Graph.Name}': all {groups.Count} group{(groups.Count == 1 ? " is" : "s are")} left whole ({Blockers(groups, roundTo)})");
        cancellation.ThrowIfCancellationRequested();

        progress?.Report(new PruningProgress("scoring", 0, prunable.Count));
        var scores = ChannelScorer.Score(work, plan, prunable, options.Importance, samples);
        cancellation.ThrowIfCancellationRequested();

        var probeSamples = samples is { Count: > 0 }
            ? samples.Take(SensitivityAnalysis.ProbeSamples).ToList()
            : Enumerable.Range(0, GeneratedProbeSamples).Select(i => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(original, i)).ToList();
        var sensitivity = SensitivityAnalysis.Measure(work, plan, prunable, scores, roundTo, probeSamples, progress, cancellation);
        var byRoot = prunable.Zip(sensitivity).ToDictionary(p => p.First.Root, p => p.Second.RelativeError);

        var allocation = new PruningAllocation(plan, prunable, byRoot, roundTo);
        if (options.TargetMacs is { } target) AllocateMacs(original, options, groups, prunable, allocation, target, roundTo);
        else AllocateRatio(options, groups, prunable, allocation, options.Ratio!.Value, roundTo);
        cancellation.ThrowIfCancellationRequested();

        progress?.Report(new PruningProgress("pruning", 0, 0));
        var kept = new Dictionary<int, int[]>();
        foreach (var g in prunable)
            if (allocation.Kept[g.Root] < g.Channels)
                kept[g.Root] = PruningAllocation.TopChannels(scores[g.Root], allocation.Kept[g.Root]);
        IReadOnlyList<int>? Kept(int atom) => kept.TryGetValue(plan.Find(atom), out var k) ? k : null;
        ChannelRemover.Apply(work, plan, Kept);
        var warnings = new List<string>();
        if (work.IrVersion < 4 && work.Graph.Initializers.Any(v => !v.IsGraphInput))
        {
            // IR < 4 wants every initializer listed as a graph input too; exporters such as CNTK's did not, and the
            // ONNX checker rejects that. IR 4 lifts the rule and changes nothing else.
            warnings.Add($"ir_version {work.IrVersion} raised to 4: the model has initializers that are not graph inputs");
            work.IrVersion = 4;
        }

        ReconstructionReport? reconstruction = null;
        if (options.Reconstruct && samples is not null)
        {
            progress?.Report(new PruningProgress("reconstructing", 0, 0));
            reconstruction = ChannelReconstruction.Apply(original, work, PrunedConsumers(plan, Kept), samples, progress, cancellation);
        }

        var reports = groups.Select(g => new ChannelGroupReport(g.Id, g.Producers.Select(p => p.Display).ToList(), g.Consumers, g.Channels,
            kept.TryGetValue(g.Root, out var k) ? k.Length : g.Channels, g.Prunable && g.Channels > roundTo,
            g.Reason ?? (g.Channels <= roundTo ? $"{g.Channels} channels: not more than {nameof(PruningOptions.RoundTo)} {roundTo}" : null), g.Macs)).ToList();
        var whole = reports.Count(r => !r.Prunable);
        if (whole > 0) warnings.Add($"{whole} of {reports.Count} channel groups left whole: {Blockers(groups, roundTo)}");
        return new PruningOutcome
        {
            Groups = reports,
            Sensitivity = options.MeasureSensitivity ? sensitivity : [],
            Reconstruction = reconstruction,
            Warnings = warnings,
        };
    }

    private static void AllocateMacs(Model original, PruningOptions options, IReadOnlyList<ChannelGroup> groups, List<ChannelGroup> prunable,
        PruningAllocation allocation, double target, int roundTo)
    {
        long total;
        using (var copy = original.Clone()) total = ModelProfile.Analyze(copy).Macs; // Analyze infers shapes into the model it is given
        if (total <= 0)
            ThrowHelper.Usage($"{nameof(PruningOptions.TargetMacs)}: the MACs of graph '{original.Graph.Name}' cannot be counted (symbolic or unknown shapes); give {nameof(PruningOptions.Ratio)} instead");
        var needed = total * (1 - target);
        var maximum = allocation.MaximumSavedMacs();
        if (maximum < needed)
        {
            var closest = (total - maximum) / total;
            throw new ConstraintException(string.Create(CultureInfo.InvariantCulture,
                $"cannot keep only {target:0.###} of the MACs: the closest reachable is {closest:0.###} with every prunable group cut to its minimum ({prunable.Count} of {groups.Count} groups prunable); blocked: {Blockers(groups, roundTo)}{Excluded(options)}"));
        }
        allocation.Run(byMacs: true, () => allocation.SavedMacs() >= needed);
    }

    private static void AllocateRatio(PruningOptions options, IReadOnlyList<ChannelGroup> groups, List<ChannelGroup> prunable,
        PruningAllocation allocation, double ratio, int roundTo)
    {
        var channels = prunable.Sum(g => g.Channels);
        var needed = (int)Math.Ceiling(channels * ratio - 1e-9);
        var maximum = allocation.MaximumRemovedChannels();
        if (maximum < needed)
            throw new ConstraintException(string.Create(CultureInfo.InvariantCulture,
                $"cannot remove {ratio:0.###} of the {channels} prunable channels: at most {(double)maximum / channels:0.###} can go (every group keeps at least {roundTo}); blocked: {Blockers(groups, roundTo)}{Excluded(options)}"));
        allocation.Run(byMacs: false, () => allocation.RemovedChannels() >= needed);
    }

    /// <summary>Why groups are left whole, most common reason first (a few of them).</summary>
    private static string Blockers(IEnumerable<ChannelGroup> groups, int roundTo)
    {
        var reasons = groups.Select(g => g.Reason ?? (g.Channels <= roundTo ? $"groups of at most {roundTo} channels" : null))
            .Where(r => r is not null).GroupBy(r => r!).OrderByDescending(g => g.Count()).ToList();
        if (reasons.Count == 0) return "nothing";
        var shown = reasons.Take(3).Select(r => r.Count() == 1 ? r.Key : $"{r.Key} ({r.Count()} groups)");
        return string.Join("; ", shown) + (reasons.Count > 3 ? $"; and {reasons.Count - 3} more reasons" : "");
    }

    private static string Excluded(PruningOptions options) =>
        options.ExcludedNodes.Count == 0 ? "" : $"; excluded nodes: {string.Join(", ", options.ExcludedNodes)}";

    /// <summary>Every weighted node that lost input channels, with the original indices it keeps, for reconstruction.</summary>
    private static List<PrunedConsumer> PrunedConsumers(DependencyGraph plan, Func<int, IReadOnlyList<int>?> kept)
    {
        var result = new List<PrunedConsumer>();
        foreach (var c in plan.Consumers)
        {
            if (!c.Input.Atoms.Any(a => kept(a) is not null)) continue;
            var outputs = c.Output is { } o && o.Atoms.Any(a => kept(a) is not null) ? o.KeptPositions(kept) : null;
            result.Add(new PrunedConsumer(c.Node, c.Input.KeptPositions(kept), outputs));
        }
        return result;
    }
}
