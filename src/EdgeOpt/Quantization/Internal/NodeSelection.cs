using EdgeOpt.Onnx;

namespace EdgeOpt.Quantization.Internal;

/// <summary>Checks the node-name options every quantizer takes, before anything is changed.</summary>
internal static class NodeSelection
{
    /// <summary>
    /// The excluded names as a set; throws <see cref="UsageException"/> naming the first one that no node of
    /// <paramref name="graph"/> has, since a typo would otherwise silently quantize the node it meant to keep.
    /// </summary>
    public static HashSet<string> Excluded(Graph graph, IReadOnlyCollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var present = graph.Nodes.Select(n => n.Name).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
        foreach (var name in names)
            if (!present.Contains(name))
                ThrowHelper.Usage($"cannot exclude node '{name}': the graph '{graph.Name}' has no node with that name");
        return names.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A node's name for reports: its name, or its display name when it has none.</summary>
    public static string NameOf(Node node) => node.Name.Length > 0 ? node.Name : node.DisplayName;
}
