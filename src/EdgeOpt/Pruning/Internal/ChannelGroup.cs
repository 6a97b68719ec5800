namespace EdgeOpt.Pruning.Internal;

/// <summary>A node whose weight's output channels make a channel space (<see cref="Atom"/>).</summary>
/// <param name="Atom">The channel space it creates.</param>
/// <param name="Node">Its first output name (names the node in every copy of the model).</param>
/// <param name="Display">Its display name for reports.</param>
/// <param name="Weight">The weight initializer's name.</param>
/// <param name="Dim">The weight dimension indexed by output channel.</param>
/// <param name="Order">Graph order of the node.</param>
internal sealed record ChannelProducer(int Atom, string Node, string Display, string Weight, int Dim, int Order);

/// <summary>A weighted node whose input channels (the weight's input dimension) follow <see cref="Input"/>; <see cref="Output"/> are its own output channels when it is also a producer (else null).</summary>
internal sealed record ChannelConsumer(string Node, string Display, ChannelLayout Input, ChannelLayout? Output);

/// <summary>MACs of one weighted node, which scale with the channels kept of its output and input layouts.</summary>
internal sealed record MacTerm(long Macs, ChannelLayout? Output, ChannelLayout? Input);

/// <summary>A change to the model that follows the channels kept, applied by <see cref="ChannelRemover"/>.</summary>
internal abstract record ChannelEdit;

/// <summary>Keep only the positions of <paramref name="Layout"/> along dim <paramref name="Dim"/> of the constant fed as input <paramref name="Input"/> of the node.</summary>
internal sealed record SliceConstantInput(string Node, int Input, int Dim, ChannelLayout Layout) : ChannelEdit;

/// <summary>A depthwise Conv's <c>group</c> follows its channels.</summary>
internal sealed record SetConvGroup(string Node, ChannelLayout Layout) : ChannelEdit;

/// <summary>Entry <paramref name="Index"/> of a Reshape's constant shape becomes the layout's new size.</summary>
internal sealed record SetReshapeDim(string Node, int Index, ChannelLayout Layout) : ChannelEdit;

/// <summary>A Split along the channels gets explicit sizes, one per output.</summary>
internal sealed record SetSplitSizes(string Node, IReadOnlyList<ChannelLayout> Outputs) : ChannelEdit;

/// <summary>A value's declared shape follows the layout on its axis.</summary>
internal sealed record SetValueDim(string Value, ChannelLayout Layout) : ChannelEdit;

/// <summary>A dependency group: every atom that must lose the same channels, and the nodes tied to them.</summary>
internal sealed class ChannelGroup
{
    public required int Id { get; init; }
    public required int Root { get; init; }
    public required int Channels { get; init; }
    public required IReadOnlyList<ChannelProducer> Producers { get; init; }
    public required IReadOnlyList<string> Consumers { get; init; }
    public required string? Reason { get; init; }
    public long Macs { get; set; }

    public bool Prunable => Reason is null;
}
