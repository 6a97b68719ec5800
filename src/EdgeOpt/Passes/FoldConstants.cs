using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;
using EdgeOpt.Runtime;

namespace EdgeOpt.Passes;

/// <summary>
/// Constant folding, evaluated by ONNX Runtime. Runs shape inference first, then walks every graph (main graph and
/// subgraph bodies) in dependency order:
/// <list type="number">
/// <item><c>Constant</c> nodes become initializers of the same name (done here rather than in a separate pass, so
/// one pass owns "what is a constant" and every later pass sees plain initializers). Sparse constants stay.</item>
/// <item>Shape-subgraph folding: <c>Shape</c> (with <c>start</c>/<c>end</c>) whose selected dims are all known, and
/// <c>Size</c> of a static shape, become int64 initializers, so the usual
/// Shape → Gather → Unsqueeze → Concat → Reshape chains collapse into a Reshape by a constant. Likewise any
/// int64/int32/bool node output whose every element shape inference derived as a known number (e.g.
/// <c>Gather(Shape(x), 1)</c> when dim 1 of x is known though others are symbolic): so the exporters' "squeeze if
/// this dim is 1" <c>If</c>s get a constant condition.</item>
/// <item>A node whose inputs are all constants (initializers that are not graph inputs; omitted optional inputs
/// allowed) is run in ORT on a one-node model (<see cref="NodeEvaluator"/>) and its outputs become initializers —
/// when the node is in the default, <c>ai.onnx.ml</c> or <c>com.microsoft</c> domain (and not a model-local
/// function), has no subgraph attribute and is deterministic (no Random*, Bernoulli, Multinomial, training-mode
/// Dropout).</item>
/// </list>
/// Folding never bloats the model: each produced tensor must be at most <see cref="SizeLimitBytes"/> (from
/// <see cref="OptimizationOptions.FoldSizeLimitBytes"/>), and all outputs together at most the bytes of the constant
/// inputs the fold frees (inputs read only by this node) unless they are tiny (≤ <see cref="TinyBytes"/>). So a
/// ConstantOfShape/Expand/Tile that makes a big tensor, or a DequantizeLinear/Cast that widens a shared weight, is
/// left alone. Constant inputs left unused by a fold are removed. Nodes ORT cannot run (unknown op, a type ORT's C#
/// API cannot carry, a non-tensor output) are skipped; every skip is explained with <see cref="PassContext.Note"/>.
/// </summary>
public sealed class FoldConstants(long sizeLimitBytes = FoldConstants.DefaultSizeLimitBytes) : IGraphPass
{
    /// <summary>The default of <see cref="SizeLimitBytes"/>: 1 MiB.</summary>
    public const long DefaultSizeLimitBytes = 1 << 20;

    /// <summary>Folds producing at most this many bytes in total are always allowed (shape vectors, scalars).</summary>
    public const long TinyBytes = 1024;

    private static readonly HashSet<string> EvaluatedDomains = new(StringComparer.Ordinal) { "", "ai.onnx", "ai.onnx.ml", "com.microsoft" };

    public string Name => "fold-constants";
    public string Description => "Evaluate nodes with only constant inputs in ONNX Runtime; fold Shape/Size of static shapes; Constant nodes to initializers";
    public PassLevel Level => PassLevel.Basic;

    /// <summary>No fold creates a tensor larger than this many bytes.</summary>
    public long SizeLimitBytes { get; } = sizeLimitBytes;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var inference = ShapeInference.Infer(model);
        using var evaluator = new NodeEvaluator(model);
        var run = new FoldRun(model, context, evaluator, this, inference.TrackedValues);
        // Outer graphs first: their Constant nodes are initializers by the time subgraphs that capture them are visited.
        return PassResult.Of(model.Graph.AllGraphs().ToList().Sum(run.FoldGraph));
    }

    private sealed class FoldRun(Model model, PassContext context, NodeEvaluator evaluator, FoldConstants pass, IReadOnlyDictionary<Value, Dim[]> tracked)
    {
        private readonly HashSet<(string Domain, string Name)> _functions =
            model.Functions.Select(f => (Model.NormalizeDomain(f.Domain), f.Name)).ToHashSet();

        /// <summary>Folds what it can in one graph; returns how many nodes became constants.</summary>
        public int FoldGraph(Graph graph)
        {
            var folded = 0;
            foreach (var node in graph.TopologicalOrder())
            {
                context.Cancellation.ThrowIfCancellationRequested();
                if (node.OpType == "Constant" && node.IsOnnxDomain)
                    folded += ConstantToInitializer(node) ? 1 : 0;
                else if (node.IsOnnxDomain && node.OpType is "Shape" or "Size")
                    folded += FoldShape(node) || FoldTracked(node) || FoldByRuntime(node) ? 1 : 0;
                else
                    folded += (node.IsOnnxDomain && FoldTracked(node)) || FoldByRuntime(node) ? 1 : 0;
            }
            return folded;
        }

        private static bool ConstantToInitializer(Node node)
        {
            if (node.Outputs.Count != 1 || GraphQueries.TryGetConstant(node.Outputs[0]) is not { } tensor) return false;
            Replace(node, [tensor]);
            return true;
        }

        /// <summary>Shape/Size of a value whose (selected) dims are all known.</summary>
        private static bool FoldShape(Node node)
        {
            if (node.Inputs is not [{ Type: TensorType { Shape: { } shape } }] || node.Outputs.Count != 1) return false;
            if (node.OpType == "Size")
            {
                if (shape.ElementCount is not { } count) return false;
                Replace(node, [Tensor.Scalar("", count)]);
                return true;
            }
            var rank = shape.Rank;
            var start = Clamp(node.Attributes.GetInt("start", 0), rank);
            var end = Clamp(node.Attributes.GetInt("end", rank), rank);
            var dims = shape.Skip((int)start).Take((int)Math.Max(end - start, 0)).ToArray();
            if (!dims.All(d => d.IsKnown)) return false;
            Replace(node, [Tensor.Create("", dims.Select(d => d.Value!.Value).ToArray(), dims.Length)]);
            return true;

            static long Clamp(long axis, int rank) => Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);
        }

        /// <summary>A single int64/int32/bool output whose values shape inference derived, all known.</summary>
        private bool FoldTracked(Node node)
        {
            if (node.Outputs is not [{ Name.Length: > 0 } output] || node.Subgraphs.Any()) return false;
            if (!tracked.TryGetValue(output, out var values) || !values.All(d => d.IsKnown)) return false;
            if (output.Shape is not { Rank: <= 1, ElementCount: { } count } shape || count != values.Length) return false;
            var numbers = values.Select(d => d.Value!.Value).ToArray();
            long[] dims = [.. shape.Select(d => d.Value!.Value)];
            switch (output.ElementType)
            {
                case DataType.Int64:
                    Replace(node, [Tensor.Create("", numbers, dims)]);
                    return true;
                case DataType.Int32 when numbers.All(n => n is >= int.MinValue and <= int.MaxValue):
                    Replace(node, [Tensor.Create("", numbers.Select(n => (int)n).ToArray(), dims)]);
                    return true;
                case DataType.Bool when numbers.All(n => n is 0 or 1):
                    Replace(node, [Tensor.Create("", numbers.Select(n => n == 1).ToArray(), dims)]);
                    return true;
                default:
                    return false;
            }
        }

        private bool FoldByRuntime(Node node)
        {
            if (!IsFoldable(node)) return false;
            var inputs = new Tensor?[node.Inputs.Count];
            for (var i = 0; i < inputs.Length; i++)
            {
                if (node.Inputs[i] is not { } v) continue;
                if (GraphQueries.TryGetConstant(v) is not { } t) return false;
                inputs[i] = t;
            }
            if (node.Outputs.FirstOrDefault(o => o.Name.Length > 0 && o.ElementType is { } t && t != DataType.Undefined && !OrtTensors.IsSupported(t)) is { } unreadable)
            {
                Note(node, $"its output '{unreadable.Name}' is {unreadable.ElementType!.Value.OnnxName()}, which ONNX Runtime's C# API cannot read back");
                return false;
            }
            var freed = FreedBytes(node);
            if (PredictedBytes(node) is { } predicted && Refusal(predicted.Largest, predicted.Total, freed) is { } early)
            {
                Note(node, early);
                return false;
            }
            if (evaluator.TryEvaluate(node, inputs, out var failure) is not { } outputs)
            {
                Note(node, $"ONNX Runtime cannot evaluate it: {failure}");
                return false;
            }
            var sizes = outputs.Where(t => t is not null).Select(t => t!.ByteLength).DefaultIfEmpty(0).ToArray();
            if (Refusal(sizes.Max(), sizes.Sum(), freed) is { } refusal)
            {
                Note(node, refusal);
                return false;
            }
            Replace(node, outputs);
            return true;
        }

        private bool IsFoldable(Node node)
        {
            if (!EvaluatedDomains.Contains(node.Domain) || _functions.Contains((Model.NormalizeDomain(node.Domain), node.OpType))) return false;
            if (!node.Outputs.Any(o => o.Name.Length > 0)) return false;
            if (!GraphQueries.HasOnlyPlainAttributes(node)) return false;
            // Sequences and optionals cannot be initializers.
            if (node.Outputs.Any(o => o.Type is not (null or TensorType))) return false;
            if (IsNondeterministic(node))
            {
                // Worth saying only when it would otherwise fold.
                if (node.Inputs.All(v => v is null || GraphQueries.IsConstant(v))) Note(node, "not deterministic");
                return false;
            }
            return true;
        }

        private static bool IsNondeterministic(Node node) =>
            node.OpType.StartsWith("Random", StringComparison.Ordinal)
            || node.OpType is "Bernoulli" or "Multinomial"
            // Dropout is the identity at inference; with a training_mode input it may draw a mask.
            || (node.OpType.Contains("Dropout", StringComparison.Ordinal) && (!node.IsOnnxDomain || node.Inputs.Count > 2 && node.Inputs[2] is not null));

        /// <summary>Why a fold producing these sizes would bloat the model, or null when it is allowed.</summary>
        private string? Refusal(long largest, long total, long freed)
        {
            var limit = pass.SizeLimitBytes;
            if (largest > limit) return $"its output would be {largest} bytes, over the fold size limit of {limit} bytes";
            if (total > TinyBytes && total > freed)
                return $"its outputs ({total} bytes) would be larger than the constants it frees ({freed} bytes), growing the model";
            return null;
        }

        /// <summary>Output sizes from inferred static types, when every named output has one.</summary>
        private static (long Largest, long Total)? PredictedBytes(Node node)
        {
            long largest = 0, total = 0;
            foreach (var o in node.Outputs)
            {
                if (o.Name.Length == 0) continue;
                if (o.Type is not TensorType { Shape: { ElementCount: { } count } } t || !t.ElementType.IsFixedSize()) return null;
                var bytes = t.ElementType.StorageBytes(count);
                largest = Math.Max(largest, bytes);
                total += bytes;
            }
            return (largest, total);
        }

        /// <summary>Bytes of the constant inputs nothing but this node reads (they go away with the fold).</summary>
        private static long FreedBytes(Node node) =>
            node.Inputs.OfType<Value>().Distinct()
                .Where(v => v.Initializer is not null && !v.IsGraphInput && !v.IsGraphOutput && v.Uses.All(u => ReferenceEquals(u.Node, node)))
                .Sum(v => v.Initializer!.ByteLength);

        private void Note(Node node, string reason)
        {
            var message = $"{pass.Name}: {node.DisplayName} not folded: {reason}";
            if (!context.Notes.Contains(message)) context.Note(pass.Name, $"{node.DisplayName} not folded: {reason}");
        }

        /// <summary>
        /// Makes each named output of <paramref name="node"/> an initializer holding the given tensor (the value keeps
        /// its name, consumers and graph-output slot), removes the node and then any constant input it left unused.
        /// </summary>
        private static void Replace(Node node, IReadOnlyList<Tensor?> tensors)
        {
            var graph = node.Graph!;
            var inputs = node.Inputs.OfType<Value>().Distinct().ToList();
            for (var i = 0; i < node.Outputs.Count; i++)
            {
                var output = node.Outputs[i];
                if (output.Name.Length == 0) continue;
                var tensor = tensors[i] ?? throw new InvalidOperationException($"no folded value for output '{output.Name}' of {node.DisplayName}");
                node.SetOutput(i, new Value(""));
                output.Type = new TensorType(tensor.DataType, tensor.Shape);
                graph.Initializers.Attach(output, tensor.WithName(output.Name));
            }
            graph.RemoveNode(node);
            foreach (var v in inputs)
                if (v.Initializer is not null && !v.IsGraphInput && GraphQueries.IsUnused(v))
                    v.Graph?.Initializers.Remove(v);
        }
    }
}
