namespace EdgeOpt.Pruning.Internal;

/// <summary>What a pruning core hands back to <see cref="Pruner"/>, which adds the measurements.</summary>
internal sealed class PruningOutcome
{
    public IReadOnlyList<ChannelGroupReport> Groups { get; init; } = [];
    public IReadOnlyList<GroupSensitivity> Sensitivity { get; init; } = [];
    public ReconstructionReport? Reconstruction { get; init; }
    public IReadOnlyList<LayerSparsity> Layers { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
