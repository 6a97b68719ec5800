using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Inference;

namespace EdgeOpt.Passes.Internal;

/// <summary>
/// Small questions and edits every pass needs: is this value a constant, who consumes it, and how to bypass a
/// node without breaking graph-output names. Graph outputs are the model's interface, so their names never change:
/// when a graph output must be replaced, the replacement takes over its name (or the edit is refused).
/// </summary>
internal static class GraphQueries
{
    /// <summary>
    /// The constant tensor behind <paramref name="value"/>: a dense initializer that is not also a graph input
    /// (ORT lets callers override those) or the output of a default-domain <c>Constant</c> node. Null otherwise.
    /// </summary>
    public static Tensor? TryGetConstant(Value? value)
    {
        if (value is null) return null;
        if (value.Initializer is { } t) return value.IsGraphInput ? null : t;
        return value.Producer is { OpType: "Constant", IsOnnxDomain: true } constant ? ConstantInference.TensorOf(constant) : null;
    }

    /// <summary>Whether <see cref="TryGetConstant"/> finds a tensor.</summary>
    public static bool IsConstant(Value? value) => TryGetConstant(value) is not null;

    /// <summary>Whether <paramref name="value"/> is an output of its graph (main graph or subgraph).</summary>
    public static bool IsGraphOutput(Value value) => value.IsGraphOutput;

    /// <summary>Whether exactly one node input reads <paramref name="value"/> and it is not a graph output.</summary>
    public static bool HasSingleConsumer(Value value) => value.Uses.Count == 1 && !value.IsGraphOutput;

    /// <summary>The only consuming node (see <see cref="HasSingleConsumer"/>), or null.</summary>
    public static Node? SingleConsumer(Value value) => HasSingleConsumer(value) ? value.Uses[0].Node : null;

    /// <summary>Whether nothing reads <paramref name="value"/>: no node input and not a graph output.</summary>
    public static bool IsUnused(Value value) => value.Uses.Count == 0 && !value.IsGraphOutput;

    /// <summary>The opset version the node's domain is imported at (0 when the model does not import it).</summary>
    public static long Opset(Model model, Node node) => model.GetOpset(node.Domain) ?? 0;

    /// <summary>Whether every attribute of the node is a plain value (no subgraph, no reference to a function attribute).</summary>
    public static bool HasOnlyPlainAttributes(Node node) =>
        node.Attributes.All(a => a.RefAttributeName is null && a.Kind is not (AttributeKind.Graph or AttributeKind.Graphs));

    /// <summary>
    /// Whether <see cref="TryReplaceValue"/> can replace <paramref name="old"/> with <paramref name="replacement"/>.
    /// Always when <paramref name="old"/> is not a graph output; otherwise the replacement must be able to take the
    /// output's name: defined in the same graph, not a graph input (renaming would change the interface), not
    /// itself a graph output, and not an initializer (a graph output that is an initializer trips some runtimes).
    /// </summary>
    public static bool CanReplaceValue(Value old, Value replacement)
    {
        if (ReferenceEquals(old, replacement)) return false;
        if (!old.IsGraphOutput) return true;
        return replacement.Name.Length > 0
            && ReferenceEquals(replacement.OwningGraph, old.OwningGraph)
            && !replacement.IsGraphInput
            && !replacement.IsGraphOutput
            && !replacement.IsInitializer;
    }

    /// <summary>
    /// Points every consumer of <paramref name="old"/> at <paramref name="replacement"/>. When <paramref name="old"/>
    /// is a graph output the two values swap names, so the output keeps its name and every name stays unique (the
    /// caller removes <paramref name="old"/>'s producer, or leaves it to dead-node removal). Returns false, changing
    /// nothing, when <see cref="CanReplaceValue"/> says no.
    /// </summary>
    public static bool TryReplaceValue(Value old, Value replacement)
    {
        if (!CanReplaceValue(old, replacement)) return false;
        var wasOutput = old.IsGraphOutput;
        old.ReplaceAllUsesWith(replacement);
        if (wasOutput)
        {
            (old.Name, replacement.Name) = (replacement.Name, old.Name);
            replacement.Type ??= old.Type;
        }
        return true;
    }

    /// <summary>
    /// Removes <paramref name="node"/> and routes the readers of its first output to <paramref name="replacement"/>
    /// (see <see cref="TryReplaceValue"/> for graph outputs). Its other outputs must be unused. Returns false,
    /// changing nothing, when that is not possible.
    /// </summary>
    public static bool TryRemoveNodeAndRewire(Node node, Value replacement)
    {
        if (node.Graph is not { } graph || node.Outputs.Count == 0) return false;
        for (var i = 1; i < node.Outputs.Count; i++)
            if (!IsUnused(node.Outputs[i])) return false;
        if (!TryReplaceValue(node.Outputs[0], replacement)) return false;
        graph.RemoveNode(node);
        return true;
    }

    /// <summary>Like <see cref="TryRemoveNodeAndRewire"/> but throws when the rewrite is not possible.</summary>
    public static void RemoveNodeAndRewire(Node node, Value replacement)
    {
        if (!TryRemoveNodeAndRewire(node, replacement))
            ThrowHelper.InvalidOperation($"cannot bypass {node.DisplayName} with '{replacement.Name}': an output is still needed under its name");
    }

    /// <summary>Adds <paramref name="tensor"/> as an initializer of <paramref name="graph"/> under a fresh name derived from <paramref name="hint"/>.</summary>
    public static Value AddInitializer(Graph graph, NameGenerator names, string hint, Tensor tensor) =>
        graph.Initializers.Add(tensor.WithName(names.Fresh(hint)));
}
