using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Conversion;

namespace EdgeOpt.Passes;

/// <summary>
/// Converts the default-domain opset to a target with <see cref="OpsetConverter"/> (<c>--target-opset</c>). Not in
/// the registry: <see cref="PassManager.FromOptions"/> schedules it once, after fixed shapes and bindings (adapters
/// infer ranks and types, so fixed shapes help them) and before the fixpoint passes, which then see the target
/// opset's forms. Rewrites count the nodes whose form changed, plus one when only the version changed. Its result
/// carries the converter's report; <see cref="ModelOptimizer"/> reports it as <see cref="OptimizationResult.Conversion"/>.
/// </summary>
internal sealed class ConvertOpset(int targetOpset) : IGraphPass
{
    public const string PassName = "convert-opset";

    public string Name => PassName;
    public string Description => "Convert the default-domain opset to the one given by --target-opset";
    public PassLevel Level => PassLevel.Basic;
    public bool RunsOnce => true;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        var report = OpsetConverter.Convert(model, targetOpset);
        var versionOnly = report.SourceOpset != report.TargetOpset || report.IrVersionBefore != report.IrVersionAfter ? 1 : 0;
        return new Result(report, report.NodesChanged > 0 ? report.NodesChanged : versionOnly);
    }

    /// <summary>The converter's report alongside the count.</summary>
    public sealed record Result : PassResult
    {
        public Result(OpsetConversionReport report, int rewrites) : base(rewrites) => Report = report;

        public OpsetConversionReport Report { get; }
    }
}
