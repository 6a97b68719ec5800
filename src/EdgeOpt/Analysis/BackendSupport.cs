using EdgeOpt.Analysis.Backends;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis;

/// <summary>
/// Checks a model against the published operator support table of an ONNX Runtime execution provider (or
/// onnxruntime-web backend): per node supported or not with the reason, the partition count ORT would end up with,
/// and suggestions EdgeOpt can act on. The model is not changed (shapes are inferred on a copy).
/// </summary>
public static class BackendSupport
{
    private static readonly Dictionary<AccelerationBackend, BackendRules> Rules = new BackendRules[]
    {
        new NnapiRules(), new CoreMlRules(), new TensorRtRules(), new XnnpackRules(), new WebGpuRules(), new WebGlRules(), new WasmRules(),
    }.ToDictionary(r => r.Backend);

    /// <summary>The backends with an encoded support table.</summary>
    public static IReadOnlyList<AccelerationBackend> Supported { get; } = [.. Rules.Keys];

    /// <summary>Checks every node of the main graph of <paramref name="model"/> on <paramref name="backend"/>.</summary>
    public static CompatibilityReport Check(Model model, AccelerationBackend backend)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!Rules.TryGetValue(backend, out var rules))
            throw new ArgumentException(
                $"no support table for backend {backend}; tables exist for {string.Join(", ", Supported.Select(CliName))}", nameof(backend));
        return CheckWith(model, rules);
    }

    /// <summary>Core ML in its older NeuralNetwork format (<see cref="Check(Model, AccelerationBackend)"/> checks ML Program).</summary>
    internal static CompatibilityReport CheckCoreMlNeuralNetwork(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return CheckWith(model, new CoreMlNeuralNetworkRules());
    }

    private static CompatibilityReport CheckWith(Model model, BackendRules rules)
    {
        var backend = rules.Backend;
        // Shapes come from inference on a copy; the copy keeps node order, so index i maps back to the caller's node.
        var copy = model.Clone();
        ShapeInference.Infer(copy);
        var opset = copy.GetOpset("") ?? 1;
        var nodes = new List<NodeSupport>(model.Graph.Nodes.Count);
        var supported = new bool[copy.Graph.Nodes.Count];
        for (var i = 0; i < copy.Graph.Nodes.Count; i++)
        {
            var analysed = copy.Graph.Nodes[i];
            var verdict = rules.Check(new NodeFacts(analysed, opset));
            supported[i] = verdict is null;
            var original = model.Graph.Nodes[i];
            nodes.Add(new NodeSupport(original, original.OpType, original.IsOnnxDomain ? "" : original.Domain, verdict is null, verdict?.Reason, verdict?.Cause));
        }
        var partitions = CountPartitions(copy.Graph, supported);
        var suggestions = SuggestionBuilder.Build(copy, model.SourcePath, backend, nodes, partitions);
        return new CompatibilityReport(backend, rules.Source, nodes, partitions, suggestions);
    }

    /// <summary>The spelling used on the command line (<c>nnapi</c>, <c>coreml</c>, <c>tensorrt</c>, ...).</summary>
    public static string CliName(AccelerationBackend backend) => backend.ToString().ToLowerInvariant();

    /// <summary>A backend from its command-line spelling (case-insensitive), or null.</summary>
    public static AccelerationBackend? Parse(string name) =>
        Supported.Cast<AccelerationBackend?>().FirstOrDefault(b => string.Equals(CliName(b!.Value), name.Trim(), StringComparison.OrdinalIgnoreCase));

    internal static string DisplayName(AccelerationBackend backend) => backend switch
    {
        AccelerationBackend.Nnapi => "NNAPI",
        AccelerationBackend.CoreMl => "Core ML",
        AccelerationBackend.TensorRt => "TensorRT",
        AccelerationBackend.Xnnpack => "XNNPACK",
        AccelerationBackend.WebGpu => "WebGPU",
        AccelerationBackend.WebGl => "WebGL",
        AccelerationBackend.Wasm => "WebAssembly",
        _ => backend.ToString(),
    };

    /// <summary>
    /// Connected components of supported nodes, two being connected when one consumes the other's output: ORT's
    /// GetCapability groups them the same way, so each component is one call into the backend.
    /// </summary>
    private static int CountPartitions(Graph graph, bool[] supported)
    {
        var index = new Dictionary<Node, int>(graph.Nodes.Count);
        for (var i = 0; i < graph.Nodes.Count; i++) index[graph.Nodes[i]] = i;
        var parent = Enumerable.Range(0, graph.Nodes.Count).ToArray();
        int Find(int x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            if (!supported[i]) continue;
            foreach (var output in graph.Nodes[i].Outputs)
                foreach (var use in output.Uses)
                    if (index.TryGetValue(use.Node, out var j) && supported[j]) parent[Find(i)] = Find(j);
        }
        return Enumerable.Range(0, graph.Nodes.Count).Where(i => supported[i]).Select(Find).Distinct().Count();
    }
}
