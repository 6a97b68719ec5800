using EdgeOpt.Onnx;
using EdgeOpt.Quantization.Qdq;

namespace EdgeOpt.Quantization.Internal;

/// <summary>
/// What static INT8 does with control flow and recurrent layers. Calibration observes main-graph tensors only, so
/// compute inside If/Loop/Scan bodies cannot get calibrated QDQ ranges: when the main graph has compute of its own,
/// it is quantized and every body node is listed as left in float with that reason; when all compute is inside
/// bodies (Silero VAD), the run fails and says how to get there: bind the input that drives the If
/// (<c>edgeopt optimize --bind</c>, which inlines the taken branch) or use dynamic INT8, which reaches bodies.
/// LSTMs, which have no QDQ form, get ORT's <c>DynamicQuantizeLSTM</c> (as in dynamic mode); GRU/RNN stay float.
/// </summary>
internal static class StaticControlFlow
{
    private static readonly HashSet<string> Recurrent = ["LSTM", "GRU", "RNN"];

    /// <summary>Compute nodes (QDQ compute operators and recurrent layers) inside subgraph bodies.</summary>
    public static List<Node> ComputeInBodies(Model model) => [.. model.Graph.AllNodes().Where(n => n.Graph != model.Graph && IsCompute(n))];

    private static bool IsCompute(Node node) =>
        node.IsOnnxDomain && (QdqOperators.Compute.Contains(node.OpType) || Recurrent.Contains(node.OpType));

    /// <summary>Fails when every compute node is inside a body, naming the way out.</summary>
    public static void CheckReachable(Model model, IReadOnlyList<Node> inBodies)
    {
        if (inBodies.Count == 0) return;
        if (model.Graph.Nodes.Any(IsCompute)) return;
        var controlFlow = model.Graph.Nodes.Where(n => n.Subgraphs.Any()).Select(n => n.DisplayName).Take(3);
        var ops = string.Join(", ", inBodies.GroupBy(n => n.OpType).Select(g => $"{g.Count()} {g.Key}"));
        ThrowHelper.Usage($"static int8 cannot reach model '{model.Graph.Name}': all its compute ({ops}) is inside the bodies of "
            + $"{string.Join(", ", controlFlow)}, and calibration observes main-graph tensors only; specialise the input that "
            + "drives the If first (edgeopt optimize --bind NAME=VALUE, e.g. --bind sr=16000), or use --type int8-dynamic, which reaches bodies");
    }

    /// <summary>Body compute nodes still in float after the rewrite (GRU/RNN are reported with their own reason).</summary>
    public static IEnumerable<ExcludedNode> LeftInBodies(Model quantized) =>
        ComputeInBodies(quantized).Where(n => !DynamicLstm.HasNoKernel(n.OpType)).Select(LeftInBody);

    private static ExcludedNode LeftInBody(Node node) => SkippedNodes.Of(node,
        "inside an If/Loop/Scan body, which static calibration does not observe (bind the If away with optimize --bind, or use int8-dynamic)");

    /// <summary>LSTMs (bodies included) to DynamicQuantizeLSTM; every recurrent node left in float comes with its own reason.</summary>
    public static DynamicQuantizationReport QuantizeRecurrent(Model model, bool perChannel, IReadOnlyCollection<string> excluded)
    {
        var recurrent = model.Graph.AllNodes().Where(n => n.IsOnnxDomain && Recurrent.Contains(n.OpType)).ToList();
        if (recurrent.Count == 0) return DynamicQuantizationReport.Create([], []);
        var lstmNames = recurrent.Where(n => n.OpType == "LSTM").Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        // Quantizing no LSTM is no error here: the model stays as it is and the report says why for each.
        return DynamicQuantizer.QuantizeEligible(model, new DynamicQuantizationOptions
        {
            PerChannel = perChannel,
            OpTypes = ["LSTM"],
            ExcludedNodes = [.. excluded.Where(lstmNames.Contains)],
        });
    }
}
