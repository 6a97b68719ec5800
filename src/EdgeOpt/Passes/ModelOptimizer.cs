using System.Diagnostics;
using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// The graph optimizer behind <c>edgeopt optimize</c>, in three steps: fix symbolic input dims
/// (<see cref="OptimizationOptions.FixedShapes"/>, via <see cref="FixInputShapes"/>), convert the default-domain
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
    /// or a fixed shape that names no input or contradicts the model's dims.
    /// </exception>
    /// <exception cref="UnsupportedOperatorException">A node cannot be converted to the target opset (the message names it).</exception>
    public static OptimizationResult Optimize(Model model, OptimizationOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        // Shapes are fixed once, up front, so that a contradiction surfaces as itself rather than as a failed pass.
        var passes = PassRegistry.Select(options).Where(p => p is not FixInputShapes);
        var manager = new PassManager(passes, options.MaxIterations);

        var total = Stopwatch.StartNew();
        var nodesBefore = PassManager.CountNodes(model);
        var bytesBefore = PassManager.InitializerBytes(model);
        var snapshot = model.Clone();
        try
        {
            var context = new PassContext(options, cancellation);
            var fixStep = FixShapes(model, context);
            cancellation.ThrowIfCancellationRequested();
            var conversion = options.TargetOpset is { } target ? ConvertOpset(model, target) : null;
            var report = manager.Run(model, context);
            if (fixStep is not null) report = report with { Passes = [fixStep, .. report.Passes] };
            return new OptimizationResult(
                report, conversion, options.FixedShapes,
                nodesBefore, PassManager.CountNodes(model),
                bytesBefore, PassManager.InitializerBytes(model),
                total.Elapsed);
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

    /// <summary>Runs <see cref="FixInputShapes"/> when shapes are given; its statistics join the pass report.</summary>
    private static PassStatistics? FixShapes(Model model, PassContext context)
    {
        if (context.Options.FixedShapes.Count == 0) return null;
        var pass = new FixInputShapes();
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
