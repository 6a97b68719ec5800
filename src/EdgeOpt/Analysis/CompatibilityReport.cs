using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis;

/// <summary>
/// Which nodes of a model one backend can run, why the others cannot, how many partitions that makes, and what
/// EdgeOpt can do about it. Produced by <see cref="BackendSupport.Check"/>.
/// </summary>
public sealed class CompatibilityReport
{
    internal CompatibilityReport(AccelerationBackend backend, string tableSource, IReadOnlyList<NodeSupport> nodes, int partitions,
        IReadOnlyList<Suggestion> suggestions)
    {
        Backend = backend;
        TableSource = tableSource;
        Nodes = nodes;
        Partitions = partitions;
        Suggestions = suggestions;
    }

    public AccelerationBackend Backend { get; }

    /// <summary>The published support table the rules follow (URL, and the ONNX Runtime version it describes).</summary>
    public string TableSource { get; }

    /// <summary>Every node of the main graph, in graph order.</summary>
    public IReadOnlyList<NodeSupport> Nodes { get; }

    public int SupportedNodes => Nodes.Count(n => n.Supported);

    /// <summary>
    /// Groups of supported nodes connected by producer-consumer edges: each becomes one call into the backend, with a
    /// copy to and from the CPU provider around it. More than one or two usually makes NNAPI/Core ML slower than CPU.
    /// </summary>
    public int Partitions { get; }

    /// <summary>Actions EdgeOpt can take to run more of the model on the backend.</summary>
    public IReadOnlyList<Suggestion> Suggestions { get; }

    public override string ToString() => $"{Backend}: {SupportedNodes}/{Nodes.Count} nodes supported, {Partitions} partitions";
}

/// <summary>Whether one node runs on the backend and, if not, why.</summary>
/// <param name="Node">The node (of the model given to <see cref="BackendSupport.Check"/>).</param>
/// <param name="OpType">The operator type.</param>
/// <param name="Domain">The operator domain; empty for the default ONNX domain.</param>
/// <param name="Supported">Whether the backend runs this node.</param>
/// <param name="Reason">Null when supported; otherwise which rule failed, naming the input, opset or type.</param>
/// <param name="Cause">Null when supported; the kind of rule that failed.</param>
public sealed record NodeSupport(Node Node, string OpType, string Domain, bool Supported, string? Reason, UnsupportedCause? Cause);

/// <summary>The kind of rule a node fails on a backend.</summary>
public enum UnsupportedCause
{
    /// <summary>The operator (domain and type) is not in the backend's table.</summary>
    Operator,

    /// <summary>The model's opset is outside what the backend's kernel (or parser) supports.</summary>
    Opset,

    /// <summary>An input or output has an element type the backend does not compute in.</summary>
    DataType,

    /// <summary>A shape is symbolic or unknown and the backend needs static shapes.</summary>
    DynamicShape,

    /// <summary>A weight, bias, scale or shape input must be a constant initializer and is not.</summary>
    NonConstantInput,

    /// <summary>An attribute value or tensor rank the table rules out (e.g. only 2D Conv).</summary>
    Constraint,
}

/// <summary>What EdgeOpt can do to run more of a model on a backend.</summary>
/// <param name="Kind">What kind of action.</param>
/// <param name="Text">The advice in words: what, why and for which nodes.</param>
/// <param name="Command">A command line to run, when one EdgeOpt command does it (null otherwise).</param>
/// <param name="Nodes">Names (or display names) of the nodes it concerns.</param>
public sealed record Suggestion(SuggestionKind Kind, string Text, string? Command, IReadOnlyList<string> Nodes);

public enum SuggestionKind
{
    /// <summary>Fix symbolic input dims (<c>edgeopt optimize --fixed-shape</c>).</summary>
    FixShapes,

    /// <summary>Quantize to int8: the backend's accelerator runs integer kernels fastest.</summary>
    Quantize,

    /// <summary>Keep the model in float for this backend: its quantized nodes are not supported there.</summary>
    KeepFloat,

    /// <summary>Replace (or fold away) an operator the backend lacks.</summary>
    ReplaceOp,

    /// <summary>Convert the model to an opset the backend supports (<c>edgeopt optimize --target-opset</c>).</summary>
    UpgradeOpset,
}
