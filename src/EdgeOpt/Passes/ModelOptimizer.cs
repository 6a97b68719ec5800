using System.Diagnostics;
using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// The graph optimizer behind <c>edgeopt optimize</c>: one <see cref="PassManager"/> pipeline built by
/// <see cref="PassManager.FromOptions"/>. It fixes symbolic input dims (<see cref="OptimizationOptions.FixedShapes"/>,
/// via <see cref="FixInputShapes"/>), specialises bound inputs to constants (<see cref="OptimizationOptions.Bindings"/>,
/// via <see cref="BindInputs"/>), converts the default-domain opset (<see cref="OptimizationOptions.TargetOpset"/>,
/// via <see cref="OpsetConverter"/>) — each once, when asked — then runs the selected passes to a fixpoint. The model
/// changes in place; if any step throws, it is put back as it was and the error keeps its type.
/// <code>
/// using var model = Model.Load("model.onnx");
/// var result = ModelOptimizer.Optimize(model, new OptimizationOptions { TargetOpset = 17 });
/// model.Save("model.opt.onnx");
/// </code>
/// </summary>
public static class ModelOptimizer
{
    /// <summary>
    /// Optimizes <paramref name="model"/> in place. Options are checked before anything changes.
    /// </summary>
    /// <exception cref="InvalidOptionsException">The options cannot work (<see cref="OptimizationOptions.Validate"/>), every problem at once.</exception>
    /// <exception cref="UsageException">
    /// A fixed shape that names no input or contradicts the model's dims, or a binding that names no input or whose
    /// value does not fit the input's type and shape.
    /// </exception>
    /// <exception cref="UnsupportedOperatorException">A node cannot be converted to the target opset (the message names it).</exception>
    public static OptimizationResult Optimize(Model model, OptimizationOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ThrowHelper.IfInvalid(options.Validate());
        var manager = PassManager.FromOptions(options);

        var total = Stopwatch.StartNew();
        var nodesBefore = PassManager.CountNodes(model);
        var bytesBefore = PassManager.InitializerBytes(model);
        var snapshot = model.Clone();
        try
        {
            var report = manager.Run(model, new PassContext(cancellation));
            // The conversion is a step of the pipeline but has its own place in the result.
            var conversion = report.Passes.SingleOrDefault(p => p.Pass == ConvertOpset.PassName);
            if (conversion is not null) report = report with { Passes = [.. report.Passes.Where(p => p != conversion)] };
            return new OptimizationResult(
                report, conversion is null ? null : ConversionStep(conversion), options.FixedShapes,
                nodesBefore, PassManager.CountNodes(model),
                bytesBefore, PassManager.InitializerBytes(model),
                total.Elapsed)
            { Bindings = options.Bindings };
        }
        catch
        {
            model.RestoreFrom(snapshot);
            throw;
        }
    }

    private static OpsetChange ConversionStep(PassStatistics step) =>
        new(step.Results.OfType<ConvertOpset.Result>().Single().Report, step.NodesBefore, step.NodesAfter, step.Elapsed);
}
