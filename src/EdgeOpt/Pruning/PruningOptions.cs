namespace EdgeOpt.Pruning;

/// <summary>Everything <see cref="Pruner"/> can be told; the same switches as <c>edgeopt prune</c>.</summary>
public sealed record PruningOptions
{
    /// <summary>Structured (channels) or unstructured (individual weights).</summary>
    public PruningKind Kind { get; init; } = PruningKind.Structured;

    /// <summary>Structured: keep this fraction of the model's MACs, in (0, 1) (e.g. 0.7). Not with <see cref="Ratio"/>.</summary>
    public double? TargetMacs { get; init; }

    /// <summary>
    /// Structured: remove this fraction of the prunable channels, in (0, 1), distributed over the dependency groups by
    /// their sensitivity (least sensitive lose most). Not with <see cref="TargetMacs"/>.
    /// </summary>
    public double? Ratio { get; init; }

    /// <summary>Structured: how channels are ranked inside a group.</summary>
    public ChannelImportance Importance { get; init; } = ChannelImportance.L1;

    /// <summary>
    /// Structured: training-free recovery on the data: BatchNormalization statistics re-estimated, then each consumer
    /// of pruned channels gets least-squares weights so its outputs match the unpruned model's (He et al. 2017, ThiNet).
    /// </summary>
    public bool Reconstruct { get; init; }

    /// <summary>Structured: channel counts kept are multiples of this (≥ 1; 8 suits SIMD and tensor cores), unless a group is smaller.</summary>
    public int RoundTo { get; init; } = 1;

    /// <summary>Node names never pruned (their groups are left whole); a name no node has is a usage error.</summary>
    public IReadOnlyCollection<string> ExcludedNodes { get; init; } = [];

    /// <summary>Structured: measure and report the output error of pruning each group alone (<see cref="PruningResult.Sensitivity"/>).</summary>
    public bool MeasureSensitivity { get; init; }

    /// <summary>Unstructured: the share of weights set to zero in the pruned layers, in (0, 1). Not with <see cref="Pattern"/> unless equal to its sparsity.</summary>
    public double? Sparsity { get; init; }

    /// <summary>Unstructured: an N:M pattern (2:4) along each weight's input dimension instead of free magnitude pruning.</summary>
    public SparsityPattern? Pattern { get; init; }

    /// <summary>Unstructured: how weights are ranked.</summary>
    public SparsityScore Score { get; init; } = SparsityScore.Magnitude;

    /// <summary>Unstructured: one sparsity for every layer, or one global threshold (not with <see cref="Pattern"/>).</summary>
    public SparsityScope Scope { get; init; } = SparsityScope.PerLayer;

    /// <summary>
    /// Unstructured: one-shot second-order update on the data (Optimal Brain Compression / SparseGPT): the remaining
    /// weights of each layer compensate for the removed ones, Conv as im2col matrices, Gemm/MatMul directly.
    /// </summary>
    public bool SecondOrderUpdate { get; init; }

    /// <summary>Use at most this many samples of the data (null: all of them).</summary>
    public int? Samples { get; init; }

    /// <summary>
    /// Every problem with these options, alone and with data given or not (<paramref name="withData"/>), all at once;
    /// empty when they can work. <see cref="Pruner"/> and <c>edgeopt prune</c> both check through it.
    /// </summary>
    public IReadOnlyList<OptionProblem> Validate(bool withData = false)
    {
        var problems = new List<OptionProblem>();
        if (!Enum.IsDefined(Kind))
            problems.Add(new($"{{0}} {(int)Kind}: expected {{1}} or {{2}}", Name(nameof(Kind)), KindName(PruningKind.Structured), KindName(PruningKind.Unstructured)));
        if (!Enum.IsDefined(Importance))
            problems.Add(new($"{{0}} {(int)Importance}: expected l1, l2, fpgm or activation", Name(nameof(Importance))));
        if (!Enum.IsDefined(Score))
            problems.Add(new($"{{0}} {(int)Score}: expected magnitude or wanda", Name(nameof(Score))));
        if (!Enum.IsDefined(Scope))
            problems.Add(new($"{{0}} {(int)Scope}: expected per-layer or global", Name(nameof(Scope))));
        if (Samples is <= 0) problems.Add(new($"{{0}} {Samples}: expected a positive number", Name(nameof(Samples))));
        foreach (var name in ExcludedNodes)
            if (string.IsNullOrWhiteSpace(name)) problems.Add(new("{0}: a node name is empty", Name(nameof(ExcludedNodes))));

        if (Kind == PruningKind.Structured)
        {
            if (TargetMacs is null && Ratio is null)
                problems.Add(new("structured pruning needs {0} (fraction of MACs to keep) or {1} (fraction of channels to remove)", Name(nameof(TargetMacs)), Name(nameof(Ratio))));
            if (TargetMacs is not null && Ratio is not null)
                problems.Add(new("{0} and {1} both set the amount to prune: give one", Name(nameof(TargetMacs)), Name(nameof(Ratio))));
            if (TargetMacs is { } macs && !OpenUnit(macs))
                problems.Add(new($"{{0}} {Format(macs)}: expected a fraction of the MACs to keep, between 0 and 1 (exclusive)", Name(nameof(TargetMacs))));
            if (Ratio is { } ratio && !OpenUnit(ratio))
                problems.Add(new($"{{0}} {Format(ratio)}: expected a fraction of channels to remove, between 0 and 1 (exclusive)", Name(nameof(Ratio))));
            if (RoundTo is < 1 or > 1024) problems.Add(new($"{{0}} {RoundTo}: expected 1 to 1024", Name(nameof(RoundTo))));
            if (Reconstruct && !withData)
                problems.Add(new("{0} fits weights on calibration data: give data", Name(nameof(Reconstruct))));
            if (Importance == ChannelImportance.Activation && !withData)
                problems.Add(new("{0} activation ranks channels on calibration data: give data", Name(nameof(Importance))));
            if (Sparsity is not null || Pattern is not null || SecondOrderUpdate || Score != SparsityScore.Magnitude || Scope != SparsityScope.PerLayer)
                problems.Add(new("{0}, {1}, {2}, {3} and {4} are for unstructured pruning ({5})", Name(nameof(Sparsity)), Name(nameof(Pattern)),
                    Name(nameof(Score)), Name(nameof(Scope)), Name(nameof(SecondOrderUpdate)), KindName(PruningKind.Unstructured)));
        }
        else if (Kind == PruningKind.Unstructured)
        {
            if (Sparsity is null && Pattern is null)
                problems.Add(new("unstructured pruning needs {0} (share of weights to zero) or {1} (an N:M pattern such as 2:4)", Name(nameof(Sparsity)), Name(nameof(Pattern))));
            if (Sparsity is { } sparsity && !OpenUnit(sparsity))
                problems.Add(new($"{{0}} {Format(sparsity)}: expected a share of weights to zero, between 0 and 1 (exclusive)", Name(nameof(Sparsity))));
            if (Pattern is { } pattern)
            {
                if (pattern.N <= 0 || pattern.N >= pattern.M || pattern.M > 64)
                    problems.Add(new($"{{0}} {pattern}: expected N:M with 0 < N < M ≤ 64 (2:4 is usual)", Name(nameof(Pattern))));
                else if (Sparsity is { } s && Math.Abs(s - pattern.Sparsity) > 1e-9)
                    problems.Add(new($"{{0}} {Format(s)} and {{1}} {pattern} disagree: the pattern zeroes {Format(pattern.Sparsity)}; give one", Name(nameof(Sparsity)), Name(nameof(Pattern))));
                if (Scope == SparsityScope.Global)
                    problems.Add(new("{0} {1}: an N:M pattern applies to every run of M weights, not to a global threshold", Name(nameof(Scope)), "SparsityScope.Global"));
            }
            if (Score == SparsityScore.Wanda && !withData)
                problems.Add(new("{0} wanda weighs by input norms from calibration data: give data", Name(nameof(Score))));
            if (SecondOrderUpdate && !withData)
                problems.Add(new("{0} fits the remaining weights on calibration data: give data", Name(nameof(SecondOrderUpdate))));
            if (TargetMacs is not null || Ratio is not null || Reconstruct || MeasureSensitivity || RoundTo != 1 || Importance != ChannelImportance.L1)
                problems.Add(new("{0}, {1}, {2}, {3}, {4} and {5} are for structured pruning ({6})", Name(nameof(TargetMacs)), Name(nameof(Ratio)),
                    Name(nameof(Reconstruct)), Name(nameof(MeasureSensitivity)), Name(nameof(RoundTo)), Name(nameof(Importance)), KindName(PruningKind.Structured)));
        }
        return problems;

        static bool OpenUnit(double v) => v is > 0 and < 1;
        static string Format(double v) => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        static string Name(string member) => $"{nameof(PruningOptions)}.{member}";
        static string KindName(PruningKind k) => $"{nameof(PruningKind)}.{k}";
    }
}
