namespace EdgeOpt.Pruning;

/// <summary>
/// One dependency group of structured pruning: channels that must go together (a Conv's filters, the
/// BatchNormalization entries after them, the input channels of every consumer, every branch of a residual Add).
/// </summary>
/// <param name="Id">Stable index of the group in the model (graph order of its first producer).</param>
/// <param name="Producers">The nodes whose output channels the group removes (Conv/ConvTranspose/Gemm/MatMul), by display name.</param>
/// <param name="Consumers">The nodes whose input channels shrink with it.</param>
/// <param name="Channels">Channels before pruning.</param>
/// <param name="Kept">Channels kept (equal to <paramref name="Channels"/> when the group was not pruned).</param>
/// <param name="Prunable">False when a rule could not follow the channels through the graph, the group reaches a graph output, or a node was excluded.</param>
/// <param name="Reason">Why the group is not prunable (null when it is).</param>
/// <param name="Macs">MACs of the nodes whose work scales with this group's channels, before pruning.</param>
public sealed record ChannelGroupReport(int Id, IReadOnlyList<string> Producers, IReadOnlyList<string> Consumers, int Channels, int Kept,
    bool Prunable, string? Reason, long Macs);
