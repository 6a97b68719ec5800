using EdgeOpt.Onnx;

namespace EdgeOpt.Pruning.Internal;

/// <summary>Structured channel pruning: dependency groups, importance, allocation, removal (and recovery through <see cref="ChannelReconstruction"/>).</summary>
internal static class StructuredPruning
{
    /// <summary>Prunes <paramref name="work"/> (a copy of <paramref name="original"/>) in place.</summary>
    public static PruningOutcome Run(Model original, Model work, PruningOptions options, IReadOnlyList<IReadOnlyDictionary<string, Tensor>>? samples,
        IProgress<PruningProgress>? progress, CancellationToken cancellation) =>
        throw new NotImplementedException("structured pruning: in progress (issue 14)");
}
