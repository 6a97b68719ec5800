using EdgeOpt.Onnx;
using EdgeOpt.Runtime;

namespace EdgeOpt.Analysis;

/// <summary>
/// What a model is made of and what it costs: metadata, signature, op histogram, parameters and weight bytes,
/// MACs/FLOPs per op type, peak activation memory, the largest tensors and operators a runtime may not support.
/// <code>
/// using var model = Model.Load("resnet18.onnx");
/// var profile = ModelProfile.Analyze(model);
/// Console.WriteLine($"{profile.Parameters:N0} parameters, {profile.Macs:N0} MACs");
/// </code>
/// Conventions: <see cref="Parameters"/> counts every element of every distinct weight tensor — initializers
/// (including BatchNormalization running mean/variance) and Constant node payloads, in subgraphs too. MACs and
/// FLOPs follow the per-op rules documented in docs/cli.md (Conv MACs = N·Cout·Hout·Wout·(Cin/group)·kH·kW,
/// FLOPs = 2·MACs plus one add per output element for a bias); nodes that cannot be costed are listed in
/// <see cref="NotCounted"/> and never counted as zero.
/// </summary>
public sealed record ModelProfile
{
    public required string ProducerName { get; init; }
    public required string ProducerVersion { get; init; }
    public required long IrVersion { get; init; }

    /// <summary>Imported opsets by domain ("ai.onnx" for the default domain).</summary>
    public required IReadOnlyDictionary<string, long> Opsets { get; init; }

    public required IReadOnlyList<ValueSummary> Inputs { get; init; }
    public required IReadOnlyList<ValueSummary> Outputs { get; init; }

    /// <summary>Nodes in the main graph.</summary>
    public required int Nodes { get; init; }

    /// <summary>Nodes including those in subgraphs (If branches, Loop and Scan bodies).</summary>
    public required int TotalNodes { get; init; }

    /// <summary>Node count per op type over all graphs, most frequent first; ops outside ai.onnx are domain-qualified.</summary>
    public required IReadOnlyDictionary<string, int> OpCounts { get; init; }

    /// <summary>Elements of every distinct weight tensor (initializers and Constant payloads).</summary>
    public required long Parameters { get; init; }

    /// <summary>Bytes of those tensors (sparse ones: values plus indices).</summary>
    public required long WeightBytes { get; init; }

    public required IReadOnlyList<WeightTypeSummary> WeightsByType { get; init; }

    /// <summary>Multiply-accumulates of the counted nodes; control flow as <see cref="Subgraphs"/> explains.</summary>
    public required long Macs { get; init; }

    /// <summary>Floating-point (or integer) operations of the counted nodes, like <see cref="Macs"/>.</summary>
    public required long Flops { get; init; }

    /// <summary>
    /// MACs and FLOPs per op type, costliest first. Nodes inside the bodies the totals take count under their own op
    /// type (times the iterations); the If/Loop/Scan node itself adds no cost of its own.
    /// </summary>
    public required IReadOnlyList<OperatorCostSummary> CostByOp { get; init; }

    /// <summary>
    /// Nodes whose cost could not be estimated (unknown shapes, unbound symbolic dims, no rule), in subgraphs too (named
    /// by their path), and Loop/Scan nodes whose iteration count is unknown.
    /// </summary>
    public required IReadOnlyList<UncountedNode> NotCounted { get; init; }

    /// <summary>
    /// Figures of every If branch and Loop/Scan body, outermost first: nodes, MACs and FLOPs of one execution, the
    /// iteration count and whether the totals take it. An If counts as its costlier branch; a Loop as its body times a
    /// constant trip count (an upper bound); a Scan as its body times the scanned length.
    /// </summary>
    public required IReadOnlyList<SubgraphCostSummary> Subgraphs { get; init; }

    /// <summary>Estimated peak bytes of live activations over the topological order (see docs/cli.md).</summary>
    public required long PeakActivationBytes { get; init; }

    /// <summary>The node at which the peak occurs; null for an empty graph.</summary>
    public required string? PeakActivationNode { get; init; }

    /// <summary>Activations left out of the peak because their size does not resolve.</summary>
    public required int UnsizedActivations { get; init; }

    /// <summary>Node outputs shape inference could not resolve.</summary>
    public required int UnresolvedShapes { get; init; }

    /// <summary>The largest weights and activations by bytes.</summary>
    public required IReadOnlyList<TensorSummary> LargestTensors { get; init; }

    /// <summary>Operators outside the default domain or not defined by the imported opset.</summary>
    public required IReadOnlyList<FlaggedOperator> FlaggedOps { get; init; }

    /// <summary>
    /// Profiles <paramref name="model"/>. Runs shape inference first, which only adds value types to the model (with
    /// <see cref="ProfileOptions.DimensionValues"/>, to a copy whose inputs have those sizes);
    /// nothing else is changed.
    /// </summary>
    /// <exception cref="UsageException">An option is out of range.</exception>
    /// <exception cref="ModelFormatException">The graph has a cycle.</exception>
    public static ModelProfile Analyze(Model model, ProfileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= ProfileOptions.Default;
        ThrowHelper.IfInvalid(options.Validate());

        var signature = model.Graph.Inputs.Where(v => !v.IsInitializer).Select(Summarize).ToList();
        // Bound symbols are sizes before inference too, so dims derived from them (a Pad's or a Conv's output) resolve.
        // That runs on a structural copy: the caller's model keeps its symbolic inputs.
        using var bound = options.DimensionValues is { Count: > 0 } sizes ? WithInputDims(model, sizes) : null;
        model = bound ?? model;
        var inference = options.RuntimeShapeFallback is { } fallback ? RuntimeShapeInference.Infer(model, fallback).Inferred : ShapeInference.Infer(model);
        var shapes = new ShapeResolver(options.DimensionValues);
        var graph = model.Graph;
        var weights = ParameterCounter.Collect(model);
        // An If condition known before running: a bool constant, or shape arithmetic shape inference tracked.
        bool? KnownCondition(Value? v) =>
            v is null ? null
            : inference.TrackedValues.TryGetValue(v, out var tracked) && tracked is [{ Value: { } x }] ? x != 0
            : Onnx.Inference.InferenceEngine.ConstantTensorOf(v) is { DataType: DataType.Bool, ElementCount: 1 } t ? t.ToArray<bool>()[0]
            : null;
        var cost = GraphCost.Of(graph, shapes, model.GetOpset() ?? 1, KnownCondition);
        var liveness = ActivationLiveness.Analyze(graph, shapes);
        var allNodes = graph.AllNodes().ToList();

        return new ModelProfile
        {
            ProducerName = model.ProducerName,
            ProducerVersion = model.ProducerVersion,
            IrVersion = model.IrVersion,
            Opsets = model.OpsetImports.ToDictionary(o => o.Domain.Length == 0 ? "ai.onnx" : o.Domain, o => o.Version),
            Inputs = signature,
            Outputs = [.. graph.Outputs.Select(Summarize)],
            Nodes = graph.Nodes.Count,
            TotalNodes = allNodes.Count,
            OpCounts = allNodes
                .GroupBy(OpKey)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count()),
            Parameters = weights.Sum(w => w.Elements),
            WeightBytes = weights.Sum(w => w.Bytes),
            WeightsByType = [.. weights
                .GroupBy(w => w.DataType)
                .Select(g => new WeightTypeSummary(g.Key, g.Count(), g.Sum(w => w.Elements), g.Sum(w => w.Bytes)))
                .OrderByDescending(s => s.Bytes)],
            Macs = cost.Macs,
            Flops = cost.Flops,
            CostByOp = cost.ByOp,
            NotCounted = cost.Uncounted,
            Subgraphs = cost.Subgraphs,
            PeakActivationBytes = liveness.PeakBytes,
            PeakActivationNode = liveness.PeakNode?.DisplayName,
            UnsizedActivations = liveness.UnsizedValues,
            UnresolvedShapes = inference.Unresolved.Count,
            LargestTensors = TensorRanking.Largest(model, weights, shapes, options.LargestTensorCount),
            FlaggedOps = OperatorFlagger.Flag(model),
        };
    }

    internal static string OpKey(Node node) => node.IsOnnxDomain ? node.OpType : $"{node.Domain}.{node.OpType}";

    /// <summary>A copy of <paramref name="model"/> whose graph inputs have the given sizes in place of those symbols.</summary>
    private static Model WithInputDims(Model model, IReadOnlyDictionary<string, long> sizes)
    {
        var copy = model.Clone();
        foreach (var input in copy.Graph.Inputs)
            if (input.Type is TensorType { Shape: { } shape } t && shape.Any(d => d.Symbol is { } s && sizes.ContainsKey(s)))
                input.Type = t with { Shape = new TensorShape(shape.Select(d => d.Symbol is { } s && sizes.TryGetValue(s, out var n) ? Dim.Of(n) with { Denotation = d.Denotation } : d)) };
        return copy;
    }

    private static ValueSummary Summarize(Value v)
    {
        var shape = v.Type switch
        {
            TensorType t => t.Shape,
            SparseTensorType t => t.Shape,
            _ => null,
        };
        return new ValueSummary(v.Name, v.Type?.ToString() ?? "?", v.ElementType, shape is null ? null : [.. shape]);
    }
}
