using System.Globalization;
using EdgeOpt.Analysis;
using EdgeOpt.Onnx;

namespace EdgeOpt.Targets.Internal;

/// <summary>
/// Groups a graph's supported nodes into partitions the way ONNX Runtime does (partitioning_utils.cc,
/// CreateSupportedPartitionNodeGroups, as its mobile usability checker replicates it): nodes are visited in topological
/// order; a supported node joins the open group; an unsupported node that consumes the open group's output waits for
/// the next group, which closes the current one. This differs from connected components: two supported regions joined
/// only through an unsupported node are two partitions, and so are independent regions met after such a wait.
/// </summary>
internal static class ProviderPartitioning
{
    public static List<List<Node>> Groups(Graph graph, Func<Node, bool> isSupported)
    {
        var producers = new Dictionary<Node, HashSet<Node>>();
        var consumers = new Dictionary<Node, List<Node>>();
        foreach (var node in graph.Nodes)
        {
            var from = new HashSet<Node>();
            foreach (var value in Graph.Dependencies(node))
                if (value.Producer is { } producer && producer.Graph == graph && producer != node) from.Add(producer);
            producers[node] = from;
            foreach (var producer in from)
            {
                if (!consumers.TryGetValue(producer, out var list)) consumers[producer] = list = [];
                list.Add(node);
            }
        }

        var inDegree = graph.Nodes.ToDictionary(n => n, n => producers[n].Count);
        var toProcess = new Queue<Node>(graph.Nodes.Where(n => inDegree[n] == 0));
        var withNextGroup = new Queue<Node>();
        var groups = new List<List<Node>>();
        var group = new List<Node>();
        var border = new HashSet<Node>();

        void CloseGroup()
        {
            if (group.Count > 0) groups.Add([.. group]);
            group.Clear();
            border.Clear();
        }

        while (toProcess.Count > 0 || withNextGroup.Count > 0)
        {
            if (toProcess.Count == 0)
            {
                CloseGroup();
                (toProcess, withNextGroup) = (withNextGroup, new Queue<Node>());
                continue;
            }
            var node = toProcess.Dequeue();
            if (isSupported(node))
            {
                group.Add(node);
                border.Remove(node);
                if (consumers.TryGetValue(node, out var outs)) border.UnionWith(outs);
            }
            else if (border.Contains(node))
            {
                // Processed after the current group closes: its outputs must not join this group.
                withNextGroup.Enqueue(node);
                continue;
            }
            if (consumers.TryGetValue(node, out var next))
                foreach (var consumer in next)
                    if (--inDegree[consumer] == 0) toProcess.Enqueue(consumer);
        }
        CloseGroup();
        return groups;
    }

    /// <summary>ORT's verdict: one partition over 75 % → YES, over 50 % → MAYBE; two over 75 % → MAYBE; else NO.</summary>
    public static ProviderSuitability Suitability(int partitions, double percentSupported) => partitions switch
    {
        1 when percentSupported > 75 => ProviderSuitability.Yes,
        1 when percentSupported > 50 => ProviderSuitability.Maybe,
        2 when percentSupported > 75 => ProviderSuitability.Maybe,
        _ => ProviderSuitability.No,
    };

    /// <summary>
    /// The report for <paramref name="provider"/> from EdgeOpt's per-node rules (<see cref="BackendSupport.Check"/>, which
    /// also checks the caveats ORT's checker only lists) grouped as ORT would group them.
    /// </summary>
    public static ProviderReport Report(string provider, Model model, CompatibilityReport check, IReadOnlyDictionary<string, string> options,
        IReadOnlyList<string> advice)
    {
        var supported = check.Nodes.Where(n => n.Supported).Select(n => n.Node).ToHashSet();
        var groups = Groups(model.Graph, supported.Contains);
        var inSubgraphs = model.Graph.Nodes.Sum(n => n.Subgraphs.Sum(g => g.AllNodes().Count()));
        var total = model.Graph.Nodes.Count + inSubgraphs;
        var percent = total == 0 ? 0 : 100.0 * supported.Count / total;
        var suitability = groups.Count == 0 ? ProviderSuitability.No : Suitability(groups.Count, percent);
        var summary = new List<string>
        {
            $"{groups.Count} partitions with a total of {supported.Count}/{total} nodes can be handled by the {provider} EP.",
        };
        if (inSubgraphs > 0) summary.Add($"{inSubgraphs} nodes are in subgraphs, which are currently not handled.");
        if (groups.Count > 0) summary.Add($"Partition sizes: [{string.Join(", ", groups.Select(g => g.Count))}]");
        summary.Add(Verdict(provider, groups.Count, percent));
        return new ProviderReport
        {
            Provider = provider,
            TableSource = check.TableSource,
            Nodes = model.Graph.Nodes.Count,
            NodesInSubgraphs = inSubgraphs,
            SupportedNodes = supported.Count,
            PartitionSizes = groups.Select(g => g.Count).ToList(),
            Suitability = suitability,
            Summary = summary,
            Unsupported = check.Nodes.Where(n => !n.Supported)
                .Select(n => new UnsupportedNode(NodeName(n.Node), $"{(n.Domain.Length == 0 ? "ai.onnx" : n.Domain)}:{n.OpType}", n.Reason ?? "not supported"))
                .ToList(),
            Advice = advice,
            Options = options,
        };
    }

    /// <summary>Whether any node of the main graph failed only because a shape is dynamic.</summary>
    public static bool HasDynamicShapeFailures(CompatibilityReport check) => check.Nodes.Any(n => n.Cause == UnsupportedCause.DynamicShape);

    private static string NodeName(Node node) => node.Name.Length > 0 ? node.Name : node.Outputs.Count > 0 ? node.Outputs[0].Name : node.OpType;

    // The checker's sentences, so users who know ORT's tool read the same verdict.
    private static string Verdict(string provider, int partitions, double percent)
    {
        var p1 = percent.ToString("F1", CultureInfo.InvariantCulture);
        return partitions switch
        {
            0 => $"{provider} cannot run any nodes in this model.",
            1 when percent > 75 => $"{provider} should work well for this model as there is one partition covering {p1}% of the nodes in the model.",
            1 when percent > 50 => $"{provider} may work well for this model, however only {p1}% of nodes will use it. Performance testing is required to validate.",
            1 => $"{provider} will probably not work well for this model as only {percent.ToString("F2", CultureInfo.InvariantCulture)}% of nodes will use it.",
            2 when percent > 75 => $"{provider} can be considered for this model as there are two partitions covering {p1}% of the nodes. Performance testing is required to validate.",
            _ => $"{provider} is not recommended with this model as there are {partitions} partitions covering {p1}% of the nodes in the model. " +
                 "This will most likely result in worse performance than just using the CPU EP.",
        };
    }
}
