using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization.Qdq;
using EdgeOpt.Runtime;

namespace EdgeOpt.Quantization.Search;

/// <summary>
/// Builds the plan that keeps a given set of nodes in float (on top of the quantization's own exclusions) from the
/// calibrated ranges, applies it to a copy of the float model and measures that copy's accuracy in percent.
/// </summary>
internal sealed class PlanEvaluator
{
    private readonly QuantizationResult _quantized;
    private readonly IReadOnlyDictionary<string, TensorRange> _ranges;
    private readonly QdqOptions _options;
    private readonly ISampleSource _data;
    private readonly EvaluationOptions _evaluation;

    public PlanEvaluator(QuantizationResult quantized, IReadOnlyDictionary<string, TensorRange> ranges, ISampleSource data,
        IReadOnlyList<int> labels, AccuracySearchOptions options)
    {
        var plan = quantized.Plan!;
        _quantized = quantized;
        _ranges = ranges;
        _data = data;
        BaseExclusions = plan.ExcludedNodes.Select(e => e.Node).ToList();
        // The planner's switches as the plan records them, so every candidate plan differs from the original only in fallbacks.
        _options = new QdqOptions
        {
            PerChannel = plan.PerChannel,
            ActivationType = plan.ActivationType,
            SymmetricActivations = plan.SymmetricActivations,
            ExcludedNodes = BaseExclusions,
            CalibrationMethod = plan.CalibrationMethod,
            CalibrationSamples = plan.CalibrationSamples,
        };
        _evaluation = new EvaluationOptions { Labels = labels, Samples = options.Samples, Settings = options.Settings };
    }

    /// <summary>Nodes the quantization already left in float (by the user or the planner).</summary>
    public IReadOnlyList<string> BaseExclusions { get; }

    /// <summary>
    /// The fallback candidates, in topological order: each compute node the original plan quantizes, with the MaxPool
    /// and Resize nodes that re-quantize its output (through Relu, Clip or shape ops). Those quantize their input even
    /// when its producer is float, so keeping the producer in float alone would leave its range in place.
    /// </summary>
    public IReadOnlyList<FallbackCandidate> Candidates()
    {
        var graph = _quantized.FloatModel.Graph;
        var nodes = graph.Nodes.ToDictionary(QdqOperators.Key, StringComparer.Ordinal);
        var excluded = BaseExclusions.ToHashSet(StringComparer.Ordinal);
        return QdqQuantizer.QuantizableNodes(_quantized.FloatModel, _options)
            .Select(key => new FallbackCandidate(key, nodes[key].OpType, [key, .. Followers(nodes[key]).Select(QdqOperators.Key).Where(k => !excluded.Contains(k))]))
            .ToList();
    }

    // Nodes downstream of a compute node's output that carry its range without computing a new one.
    private static IEnumerable<Node> Followers(Node compute)
    {
        var pending = new Stack<Value>([compute.Outputs[0]]);
        var seen = new HashSet<Node>();
        while (pending.Count > 0)
        {
            foreach (var use in pending.Pop().Uses.Select(u => u.Node))
            {
                var carries = use.IsOnnxDomain && (use.OpType is "Relu" or "Clip" || QdqOperators.ShareInputScale.Contains(use.OpType));
                if (!carries || !seen.Add(use) || use.Outputs.Count == 0) continue;
                if (QdqOperators.RangeRequired.Contains(use.OpType)) yield return use;
                pending.Push(use.Outputs[0]);
            }
        }
    }

    /// <summary>The plan that also keeps the members of <paramref name="fallback"/> in float.</summary>
    public QuantizationPlan PlanWithFallback(IEnumerable<FallbackCandidate> fallback)
    {
        var members = fallback.SelectMany(c => c.Members).ToList();
        return members.Count == 0
            ? _quantized.Plan!
            : QdqQuantizer.CreatePlan(_quantized.FloatModel, _ranges, _options with { ExcludedNodes = BaseExclusions.Union(members, StringComparer.Ordinal).ToList() });
    }

    /// <summary>A copy of the float model with <paramref name="plan"/> applied; the caller disposes it.</summary>
    public Model Build(QuantizationPlan plan)
    {
        var model = _quantized.FloatModel.Clone();
        try
        {
            QdqQuantizer.Apply(model, plan);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Accuracy (percent) and mean latency of <paramref name="model"/>.</summary>
    public (double Accuracy, double LatencyMs) Measure(Model model, CancellationToken cancellation)
    {
        var result = ModelEvaluator.Evaluate(model, _data, _evaluation, cancellation: cancellation);
        return (result.Top1!.Value * 100, result.MeanLatencyMs);
    }

    /// <summary>Accuracy (percent) and mean latency of the model <paramref name="plan"/> makes.</summary>
    public (double Accuracy, double LatencyMs) Measure(QuantizationPlan plan, CancellationToken cancellation)
    {
        using var model = Build(plan);
        return Measure(model, cancellation);
    }
}

/// <summary>A node the search may keep in float: a compute node (<paramref name="Key"/>) and the nodes that fall back with it.</summary>
internal sealed record FallbackCandidate(string Key, string OpType, IReadOnlyList<string> Members);
