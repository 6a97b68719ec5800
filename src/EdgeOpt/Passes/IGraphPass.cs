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
/// A graph transformation. Contract: <see cref="Run"/> mutates the model in place and returns whether it changed
/// anything; it must not leave a half-applied rewrite behind (the <see cref="PassManager"/> restores the model
/// from a snapshot if a pass throws). Each pass lives in its own file whose summary states its rule: the
/// pattern, the replacement and the conditions.
/// </summary>
public interface IGraphPass
{
    /// <summary>Kebab-case name used on the command line, e.g. <c>fuse-conv-batchnorm</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c> and reports.</summary>
    string Description { get; }

    PassLevel Level { get; }

    bool Run(Model model, PassContext context);
}
