namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// A node whose weight lost input channels (and possibly output channels) in structured pruning, for
/// <see cref="ChannelReconstruction"/>. Identified by its first output's name, which pruning never changes, so it
/// names the same node in the original and the pruned model.
/// </summary>
/// <param name="Output">The node's first output name.</param>
/// <param name="KeptInputs">
/// Indices, in the original model, of the weight's input dimension kept: Conv input channels (group = 1), Gemm/MatMul
/// rows of K (for Flatten → Gemm, the channel blocks already expanded to features). Ascending.
/// </param>
/// <param name="KeptOutputs">Indices of the node's own output channels kept (null: all of them). Ascending.</param>
internal sealed record PrunedConsumer(string Output, IReadOnlyList<int> KeptInputs, IReadOnlyList<int>? KeptOutputs);
