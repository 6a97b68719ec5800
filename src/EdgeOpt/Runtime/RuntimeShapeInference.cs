using EdgeOpt.Onnx;

namespace EdgeOpt.Runtime;

/// <summary>
/// Shape inference with an ONNX Runtime fallback: <see cref="ShapeInference.Infer(Model)"/> first, then, for the
/// main-graph values static rules leave unresolved (data-dependent shapes, operators without a rule), one run of a copy of
/// the model in ONNX Runtime on generated inputs (<see cref="EdgeOpt.Data.InputGenerator"/>), whose observed shapes are
/// set on the model. Observed shapes are static and hold only for the input shapes the run used, which the result reports.
/// Nothing runs when static inference resolves everything.
/// <code>
/// var result = RuntimeShapeInference.Infer(model, new RuntimeShapeInferenceOptions { FreeDimDefault = 4 });
/// foreach (var v in result.FromRuntime) Console.WriteLine($"{v.ValueName}: {v.Type}");
/// </code>
/// </summary>
public static class RuntimeShapeInference
{
    /// <summary>Infers types and shapes in place, observing in ONNX Runtime what static rules cannot derive.</summary>
    /// <exception cref="UsageException"><see cref="RuntimeShapeInferenceOptions.InputShapes"/> contradicts the model's inputs.</exception>
    /// <exception cref="UnsupportedOperatorException">ONNX Runtime cannot load or run the model on generated inputs.</exception>
    public static RuntimeShapeInferenceResult Infer(Model model, RuntimeShapeInferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= RuntimeShapeInferenceOptions.Default;
        IReadOnlyDictionary<string, long[]>? inputShapes = null;
        var inferred = ShapeInference.Infer(model, unresolved =>
        {
            var probe = RuntimeShapeProbe.Run(model, unresolved, options);
            inputShapes = probe.InputShapes;
            return probe.Observed;
        });
        return new RuntimeShapeInferenceResult(inferred, [.. inferred.Observed.Select(o => new RuntimeResolvedValue(o.Name, o.Type))], inputShapes);
    }
}
