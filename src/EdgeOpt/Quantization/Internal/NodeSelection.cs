using EdgeOpt.Onnx;

namespace EdgeOpt.Quantization.Internal;

/// <summary>Checks the node-name options every quantizer takes, before anything is changed.</summary>
internal static class NodeSelection
{
    /// <summary>
    /// The excluded names as a set; throws <see cref="UsageException"/> naming the first one that no node of
    /// <paramref name="graph"/> has, since a typo would otherwise silently quantize the node it meant to keep.
    /// </summary>
    /// <param name="graph">The graph the names must occur in (its If/Loop/Scan bodies included).</param>
    /// <param name="names">The names to check.</param>
    /// <param name="outputNamesOfUnnamed">Also accept the first output name of a node that has no name (the QDQ plan's node key).</param>
    public static HashSet<string> Excluded(Graph graph, IReadOnlyCollection<string> names, bool outputNamesOfUnnamed = false)
    {
        ArgumentNullException.ThrowIfNull(names);
        var present = graph.AllNodes().Select(n => n.Name.Length > 0 || !outputNamesOfUnnamed || n.Outputs.Count == 0 ? n.Name : n.Outputs[0].Name)
            .Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
        foreach (var name in names)
            if (!present.Contains(name))
                ThrowHelper.Usage($"cannot exclude node '{name}': the graph '{graph.Name}' has no node with that name");
        return names.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A node's name for reports: its name, or its display name when it has none.</summary>
    public static string NameOf(Node node) => node.Name.Length > 0 ? node.Name : node.DisplayName;
}
