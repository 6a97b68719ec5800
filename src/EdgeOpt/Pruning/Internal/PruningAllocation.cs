namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// Decides how many channels each prunable group keeps. Greedy over steps of <c>RoundTo</c> channels: each step goes
/// to the group whose estimated output error grows least per MAC (or per channel, for a ratio) it saves. A group's
/// error is modelled as its measured sensitivity scaled by (fraction removed / probe fraction)², so error grows faster
/// the deeper a group is cut and the cuts spread over the least sensitive groups first.
/// </summary>
internal sealed class PruningAllocation
{
    private readonly DependencyGraph _plan;
    private readonly IReadOnlyList<ChannelGroup> _groups;
    private readonly Dictionary<int, int> _kept = [];
    private readonly Dictionary<int, double> _sensitivity = [];
    private readonly Dictionary<int, List<MacTerm>> _terms = [];
    private readonly int _roundTo;

    public PruningAllocation(DependencyGraph plan, IReadOnlyList<ChannelGroup> prunable, IReadOnlyDictionary<int, double> sensitivity, int roundTo)
    {
        _plan = plan;
        _groups = prunable;
        _roundTo = roundTo;
        foreach (var g in prunable)
        {
            _kept[g.Root] = g.Channels;
            _sensitivity[g.Root] = Math.Max(sensitivity.GetValueOrDefault(g.Root, 1), 1e-9);
            _terms[g.Root] = [];
        }
        foreach (var term in plan.MacTerms)
        {
            var roots = new HashSet<int>();
            if (term.Output is not null) roots.UnionWith(term.Output.Atoms.Select(plan.Find));
            if (term.Input is not null) roots.UnionWith(term.Input.Atoms.Select(plan.Find));
            foreach (var r in roots)
                if (_terms.TryGetValue(r, out var list)) list.Add(term);
        }
    }

    /// <summary>Channels each group keeps, by root.</summary>
    public IReadOnlyDictionary<int, int> Kept => _kept;

    /// <summary>The count a group of <paramref name="channels"/> keeps when asked for <paramref name="keep"/>: a multiple of <paramref name="roundTo"/>, at least one multiple, never more than all.</summary>
    public static int RoundKeep(int channels, int keep, int roundTo)
    {
        if (channels <= roundTo || keep >= channels) return channels;
        var rounded = (int)Math.Round((double)keep / roundTo) * roundTo;
        return Math.Clamp(rounded, roundTo, channels - 1 < roundTo ? channels : (channels - 1) / roundTo * roundTo);
    }

    /// <summary>The smallest count a group may keep.</summary>
    public int MinimumKeep(int channels) => channels <= _roundTo ? channels : _roundTo;

    /// <summary>The <paramref name="keep"/> highest-scoring channels, ascending.</summary>
    public static int[] TopChannels(double[] scores, int keep) =>
        [.. Enumerable.Range(0, scores.Length).OrderByDescending(c => scores[c]).ThenBy(c => c).Take(keep).Order()];

    /// <summary>Estimated MACs of the weighted nodes in the groups' terms, for the kept counts <paramref name="keptOfRoot"/> gives.</summary>
    private double TermMacs(IEnumerable<MacTerm> terms, Func<int, int> keptOfRoot) =>
        terms.Sum(t => t.Macs * Fraction(t.Output, keptOfRoot) * Fraction(t.Input, keptOfRoot));

    private double Fraction(ChannelLayout? layout, Func<int, int> keptOfRoot) =>
        layout is null ? 1 : (double)layout.KeptCount(a => keptOfRoot(_plan.Find(a))) / layout.Positions;

    private int KeptOfRoot(int root) => _kept.TryGetValue(root, out var k) ? k : _plan.AtomLength(root);

    /// <summary>MACs saved (estimated) against the unpruned model, given the current counts.</summary>
    public double SavedMacs() => _plan.MacTerms.Sum(t => t.Macs) - TermMacs(_plan.MacTerms, KeptOfRoot);

    /// <summary>MACs saved with every group at its minimum.</summary>
    public double MaximumSavedMacs()
    {
        var minimum = _groups.ToDictionary(g => g.Root, g => MinimumKeep(g.Channels));
        return _plan.MacTerms.Sum(t => t.Macs) - TermMacs(_plan.MacTerms, r => minimum.TryGetValue(r, out var k) ? k : _plan.AtomLength(r));
    }

    public int RemovedChannels() => _groups.Sum(g => g.Channels - _kept[g.Root]);

    public int MaximumRemovedChannels() => _groups.Sum(g => g.Channels - MinimumKeep(g.Channels));

    /// <summary>Takes steps until <paramref name="done"/> holds; false when every group is at its minimum first.</summary>
    public bool Run(bool byMacs, Func<bool> done)
    {
        while (!done())
        {
            ChannelGroup? best = null;
            var bestScore = double.PositiveInfinity;
            var bestNext = 0;
            foreach (var g in _groups)
            {
                var current = _kept[g.Root];
                var next = NextKeep(g.Channels, current);
                if (next >= current) continue;
                var cost = Error(g, next) - Error(g, current);
                double benefit;
                if (byMacs)
                {
                    var terms = _terms[g.Root];
                    var before = TermMacs(terms, KeptOfRoot);
                    var after = TermMacs(terms, r => r == g.Root ? next : KeptOfRoot(r));
                    benefit = before - after;
                }
                else benefit = current - next;
                if (benefit <= 0) continue;
                var score = cost / benefit;
                if (score < bestScore)
                {
                    bestScore = score;
                    best = g;
                    bestNext = next;
                }
            }
            if (best is null) return false;
            _kept[best.Root] = bestNext;
        }
        return true;
    }

    private int NextKeep(int channels, int current)
    {
        if (channels <= _roundTo) return channels;
        var next = current == channels ? (channels - 1) / _roundTo * _roundTo : current - _roundTo;
        return next < MinimumKeep(channels) ? current : next;
    }

    private double Error(ChannelGroup g, int keep)
    {
        var removed = 1 - (double)keep / g.Channels;
        var x = removed / SensitivityAnalysis.ProbeFraction;
        return _sensitivity[g.Root] * x * x;
    }
}
