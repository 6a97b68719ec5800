using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// Rule: a main-graph input that is also an initializer (how IR &lt; 4 models had to list weights) is dropped from
/// the inputs, leaving the initializer. Why it is safe: ONNX Runtime treats such inputs as overridable defaults, and
/// inference never overrides weights; outputs for the same real inputs are unchanged. It also lets folding and
/// fusion passes treat the weights as constants. IR &lt; 4 requires every initializer to be an input, so whenever
/// initializers are not inputs (after this pass, or already, as in exports that broke the rule) the model's
/// <c>ir_version</c> is raised to 4 (IR 4 changed nothing else and pairs with any opset). Subgraph inputs are
/// positional parameters and are never touched.
/// </summary>
public sealed class RemoveInitializerInputs : IGraphPass
{
    /// <summary>The first IR version where initializers need not be graph inputs.</summary>
    private const long InitializersNeedNotBeInputs = 4;

    public string Name => "remove-initializer-inputs";
    public string Description => "Drops initializers from the graph inputs (IR<4 style), raising ir_version to 4.";
    public PassLevel Level => PassLevel.Basic;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var inputs = model.Graph.Inputs;
        var backed = inputs.Where(v => v.IsInitializer).ToList();
        foreach (var value in backed) inputs.Remove(value);
        var rewrites = backed.Count;
        if (model.IrVersion < InitializersNeedNotBeInputs && model.Graph.Initializers.Count > 0)
        {
            context.Note(Name, $"raised ir_version {model.IrVersion} → {InitializersNeedNotBeInputs} so initializers need not be graph inputs");
            model.IrVersion = InitializersNeedNotBeInputs;
            rewrites++;
        }
        return PassResult.Of(rewrites);
    }
}
