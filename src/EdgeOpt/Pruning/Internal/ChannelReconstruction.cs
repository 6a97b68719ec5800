using EdgeOpt.Onnx;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// Training-free recovery after structured pruning: BatchNormalization statistics re-estimated on the data, then each
/// consumer's weights refit by least squares so its outputs match the original model's (He et al. 2017; ThiNet).
/// </summary>
internal static class ChannelReconstruction
{
    /// <summary>Refits the <paramref name="consumers"/> of <paramref name="pruned"/> in place against <paramref name="original"/> on <paramref name="samples"/>.</summary>
    public static ReconstructionReport Apply(Model original, Model pruned, IReadOnlyList<PrunedConsumer> consumers,
        IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples, IProgress<PruningProgress>? progress, CancellationToken cancellation) =>
        throw new NotImplementedException("reconstruction: in progress (issue 14)");
}
