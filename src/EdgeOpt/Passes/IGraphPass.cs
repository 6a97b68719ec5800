using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>How aggressive a pass is; <c>optimize --level</c> selects passes up to a level.</summary>
public enum PassLevel
{
    /// <summary>Semantics-preserving clean-ups that never change numerics (eliminations, folding, CSE).</summary>
    Basic = 0,

    /// <summary>Rewrites that fold arithmetic into weights (fusions); outputs change within float rounding.</summary>
    Extended = 1,
}

/// <summary>
/// A graph transformation. Contract: <see cref="Run"/> mutates the model in place and returns what it did; it must
/// not leave a half-applied rewrite behind (the <see cref="PassManager"/> restores the model from a snapshot if a
/// pass throws). What the pass needs from the model is declared in <see cref="Requirements"/>, not checked inside
/// <see cref="Run"/>: the manager skips the pass, with the reason, when the model does not meet them. A pass gets
/// its own settings through its constructor, never the whole <see cref="OptimizationOptions"/>. Each pass lives in
/// its own file whose summary states its rule: the pattern, the replacement and the conditions.
/// </summary>
public interface IGraphPass
{
    /// <summary>Kebab-case name used on the command line, e.g. <c>fuse-conv-batchnorm</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c> and reports.</summary>
    string Description { get; }

    PassLevel Level { get; }

    /// <summary>What the model must satisfy for the pass to run (e.g. an opset range); none by default.</summary>
    PassRequirements Requirements => PassRequirements.None;

    /// <summary>What the pass guarantees when it returns; checked with the graph invariants.</summary>
    PassPostconditions Ensures => PassPostconditions.None;

    /// <summary>
    /// Whether the pass runs once, in the first round, at its place in the list, instead of in every fixpoint round:
    /// steps that apply the user's request (fixed shapes, bindings, the target opset).
    /// </summary>
    bool RunsOnce => false;

    /// <summary>Rewrites <paramref name="model"/> in place; call it through a <see cref="PassManager"/> so requirements are checked.</summary>
    PassResult Run(Model model, PassContext context);
}

/// <summary>Guarantees a pass makes about the model it leaves, beyond the invariants every pass keeps.</summary>
[Flags]
public enum PassPostconditions
{
    None = 0,

    /// <summary>No initializer is left unused (see <see cref="GraphInvariants"/>).</summary>
    NoUnusedInitializers = 1,
}
