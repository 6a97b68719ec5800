using System.Diagnostics;
using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// The graph optimizer behind <c>edgeopt optimize</c>, in four steps: fix symbolic input dims
/// (<see cref="OptimizationOptions.FixedShapes"/>, via <see cref="FixInputShapes"/>), specialise bound inputs to
/// constants (<see cref="OptimizationOptions.Bindings"/>, via <see cref="BindInputs"/>), convert the default-domain
/// opset (<see cref="OptimizationOptions.TargetOpset"/>, via <see cref="OpsetConverter"/>), then run the selected
/// passes to a fixpoint with the <see cref="PassManager"/>. The model changes in place; if any step throws, it is
/// put back as it was.
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
    /// <exception cref="UsageException">
    /// An unknown pass name, a target opset outside <see cref="OpsetConverter.MinTargetOpset"/>..<see cref="OpsetConverter.MaxTargetOpset"/>,
    /// a fixed shape that names no input or contradicts the model's dims, or a binding that names no input or whose
    /// value does not fit the input's type and shape.
    /// </exception>
    /// <exception cref="UnsupportedOperatorException">A node cannot be converted to the target opset (the message names it).</exception>
    public static OptimizationResult Optimize(Model model, OptimizationOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        // Shapes are fixed once, up front, so that a contradiction surfaces as itself rather than as a failed pass.
        var passes = PassRegistry.Select(options).Where(p => p is not (FixInputShapes or BindInputs));
        var manager = new PassManager(passes, options.MaxIterations);

        var total = Stopwatch.StartNew();
        var nodesBefore = PassManager.CountNodes(model);
        var bytesBefore = PassManager.InitializerBytes(model);
        var snapshot = model.Clone();
        try
        {
            var context = new PassContext(options, cancellation);
            var fixStep = RunFirst(new FixInputShapes(), options.FixedShapes.Count > 0, model, context);
            var bindStep = RunFirst(new BindInputs(), options.Bindings.Count > 0, model, context);
            cancellation.ThrowIfCancellationRequested();
            var conversion = options.TargetOpset is { } target ? ConvertOpset(model, target) : null;
            var report = manager.Run(model, context);
            PassStatistics[] first = [.. new[] { fixStep, bindStep }.OfType<PassStatistics>()];
            if (first.Length > 0) report = report with { Passes = [.. first, .. report.Passes] };
            return new OptimizationResult(
                report, conversion, options.FixedShapes,
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

    private static void Validate(OptimizationOptions options)
    {
        if (options.TargetOpset is { } target and (< OpsetConverter.MinTargetOpset or > OpsetConverter.MaxTargetOpset))
            throw new UsageException($"target opset {target} is out of range: EdgeOpt converts to opsets {OpsetConverter.MinTargetOpset} to {OpsetConverter.MaxTargetOpset}");
        if (options.MaxIterations < 1)
            throw new UsageException($"MaxIterations is {options.MaxIterations}: expected at least 1 round");
        if (options.FoldSizeLimitBytes < 0)
            throw new UsageException($"FoldSizeLimitBytes is {options.FoldSizeLimitBytes}: expected 0 or more bytes");
    }

    /// <summary>Runs a step that applies the user's input options (shapes, bindings) once, up front, when asked; its statistics join the pass report.</summary>
    private static PassStatistics? RunFirst(IGraphPass pass, bool requested, Model model, PassContext context)
    {
        if (!requested) return null;
        var nodes = PassManager.CountNodes(model);
        var bytes = PassManager.InitializerBytes(model);
        var watch = Stopwatch.StartNew();
        var changed = pass.Run(model, context);
        return new PassStatistics(pass.Name, 1, changed ? 1 : 0, nodes, PassManager.CountNodes(model), bytes, PassManager.InitializerBytes(model), watch.Elapsed);
    }

    private static OpsetChange ConvertOpset(Model model, int target)
    {
        var nodes = PassManager.CountNodes(model);
        var watch = Stopwatch.StartNew();
        var report = OpsetConverter.Convert(model, target);
        return new OpsetChange(report, nodes, PassManager.CountNodes(model), watch.Elapsed);
    }
}
