using EdgeOpt.Onnx.Inference;
using EdgeOpt.Runtime;

namespace EdgeOpt.Onnx;

/// <summary>
/// Static shape and type inference over the IR. Sets <see cref="Value.Type"/> of every node output it can derive
/// (main graph and If/Loop/Scan bodies), keeps symbolic dims (N stays N through Conv, Gemm...; Flatten of
/// [N,C,H,W] gives [N, C*H*W]), never replaces a known fact with a vaguer one, and reports what it could not
/// resolve. Optionally runs the model once in ONNX Runtime to observe what static rules cannot derive.
/// <code>
/// var result = ShapeInference.Infer(model);
/// foreach (var u in result.Unresolved) Console.WriteLine(u);
/// </code>
/// </summary>
public static class ShapeInference
{
    /// <summary>Infers types and shapes in place and returns what is left unresolved.</summary>
    public static ShapeInferenceResult Infer(Model model, ShapeInferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= ShapeInferenceOptions.Default;
        var engine = new InferenceEngine(model.GetOpset() ?? 1);
        engine.InferGraph(model.Graph);

        IReadOnlyList<RuntimeResolvedValue> fromRuntime = [];
        IReadOnlyDictionary<string, long[]>? runtimeShapes = null;
        // The probe can only expose main-graph values as outputs; subgraph values stay as inferred.
        var mainGraphValues = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var o in model.Graph.Nodes.SelectMany(n => n.Outputs)) mainGraphValues.TryAdd(o.Name, o);
        var unresolved = engine.Unresolved.Where(u => mainGraphValues.ContainsKey(u.ValueName)).ToList();
        if (options.UseRuntimeFallback && unresolved.Count > 0)
        {
            var probe = RuntimeShapeProbe.Run(model, unresolved.Select(u => u.ValueName).ToList(), options);
            runtimeShapes = probe.InputShapes;
            var resolved = new List<RuntimeResolvedValue>();
            foreach (var (name, observed) in probe.Observed)
            {
                var value = mainGraphValues[name];
                // Observed dims are static for the probe's input shapes; a declared element type is kept.
                var type = value.Type is TensorType { ElementType: not DataType.Undefined } old ? observed with { ElementType = old.ElementType } : observed;
                value.Type = type;
                engine.MarkResolved(value);
                resolved.Add(new RuntimeResolvedValue(name, type));
            }
            fromRuntime = resolved;
        }
        return new ShapeInferenceResult([.. engine.Unresolved], fromRuntime, runtimeShapes, engine.RefinedCount) { TrackedValues = engine.TrackedValues };
    }
}
