using EdgeOpt.Onnx;
using EdgeOpt.Passes;

namespace EdgeOpt.Tests.Optimization;

/// <summary>
/// One way of optimizing a model that the conformance proof checks: a single registered pass run alone (to its
/// fixpoint), or the whole optimizer. <see cref="Apply"/> mutates the model and says whether anything changed.
/// </summary>
internal sealed record OptimizationVariant(string Name, Func<Model, bool> Apply)
{
    /// <summary>The name of the whole-optimizer variant in reports.</summary>
    public const string FullOptimizerName = "optimizer (--level extended)";

    /// <summary>Every registered pass alone, then the full optimizer at level extended.</summary>
    public static IReadOnlyList<OptimizationVariant> All()
    {
        var options = new OptimizationOptions { Level = PassLevel.Extended };
        var variants = PassRegistry.All
            .Select(pass => new OptimizationVariant(pass.Name, model =>
            {
                var manager = new PassManager([PassRegistry.Select(options with { Passes = [pass.Name] }).Single()], options.MaxIterations);
                return manager.Run(model).Passes.Any(s => s.Changes > 0);
            }))
            .ToList();
        variants.Add(new OptimizationVariant(FullOptimizerName, model =>
            ModelOptimizer.Optimize(model, options).Passes.Passes.Any(s => s.Changes > 0)));
        return variants;
    }
}
