using EdgeOpt.Onnx.Inference;

namespace EdgeOpt.Onnx;

/// <summary>
/// Static shape and type inference over the IR. Sets <see cref="Value.Type"/> of every node output it can derive
/// (main graph and If/Loop/Scan bodies), keeps symbolic dims (N stays N through Conv, Gemm...; Flatten of
/// [N,C,H,W] gives [N, C*H*W]), never replaces a known fact with a vaguer one, and reports what it could not
/// resolve. Nothing runs: <c>EdgeOpt.Runtime.RuntimeShapeInference</c> adds an ONNX Runtime fallback on top.
/// <code>
/// var result = ShapeInference.Infer(model);
/// foreach (var u in result.Unresolved) Console.WriteLine(u);
/// </code>
/// </summary>
public static class ShapeInference
{
    /// <summary>Infers types and shapes in place and returns what is left unresolved.</summary>
    public static ShapeInferenceResult Infer(Model model) => Infer(model, observe: null);

    /// <summary>
    /// Infers statically, then hands the main-graph values left unresolved to <paramref name="observe"/>, which returns
    /// the types it found for some of them (by name); those are set (a declared element type is kept) and counted as
    /// resolved. Subgraph values are never handed over: only main-graph values can be exposed as model outputs.
    /// </summary>
    internal static ShapeInferenceResult Infer(Model model, Func<IReadOnlyList<string>, IReadOnlyList<(string Name, TensorType Type)>>? observe)
    {
        ArgumentNullException.ThrowIfNull(model);
        var engine = new InferenceEngine(model.GetOpset() ?? 1);
        engine.InferGraph(model.Graph);

        var observed = new List<(string Name, TensorType Type)>();
        if (observe is not null)
        {
            var mainGraphValues = new Dictionary<string, Value>(StringComparer.Ordinal);
            foreach (var o in model.Graph.Nodes.SelectMany(n => n.Outputs)) mainGraphValues.TryAdd(o.Name, o);
            var unresolved = engine.Unresolved.Where(u => mainGraphValues.ContainsKey(u.ValueName)).Select(u => u.ValueName).ToList();
            if (unresolved.Count > 0)
            {
                foreach (var (name, found) in observe(unresolved))
                {
                    var value = mainGraphValues[name];
                    // Observed dims are static for the observed run; a declared element type is kept.
                    var type = value.Type is TensorType { ElementType: not DataType.Undefined } old ? found with { ElementType = old.ElementType } : found;
                    value.Type = type;
                    engine.MarkResolved(value);
                    observed.Add((name, type));
                }
            }
        }
        return new ShapeInferenceResult([.. engine.Unresolved], engine.RefinedCount) { TrackedValues = engine.TrackedValues, Observed = observed };
    }
}
