using EdgeOpt.Onnx;

namespace EdgeOpt.Quantization.Internal;

/// <summary>
/// The one form in which the weight quantizers say what they left in float: an <see cref="ExcludedNode"/> (name,
/// operator, reason) that the <see cref="Quantizer"/> facade passes on as is, and from which the reports' public
/// <c>Skipped</c> lines ("name: reason") and the "(skipped: …)" part of a nothing-to-quantize error are written.
/// </summary>
internal static class SkippedNodes
{
    /// <summary><paramref name="node"/> left in float because of <paramref name="reason"/>, named as reports name nodes.</summary>
    public static ExcludedNode Of(Node node, string reason) => new(NodeSelection.NameOf(node), node.OpType, reason);

    /// <summary>The reason of a node the options exclude.</summary>
    public const string ExcludedReason = "excluded";

    /// <summary><paramref name="node"/> left in float because the options exclude it.</summary>
    public static ExcludedNode Excluded(Node node) => Of(node, ExcludedReason);

    /// <summary>The reports' <c>Skipped</c> lines: "name: reason".</summary>
    public static IReadOnlyList<string> Lines(IEnumerable<ExcludedNode> nodes) => [.. nodes.Select(n => $"{n.Node}: {n.Reason}")];

    /// <summary>" (skipped: a: why; b: why)" to end an error message with, or "" when nothing was skipped.</summary>
    public static string Suffix(IReadOnlyCollection<ExcludedNode> nodes) =>
        nodes.Count == 0 ? "" : $" (skipped: {string.Join("; ", Lines(nodes))})";
}
