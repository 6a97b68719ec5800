namespace EdgeOpt.Onnx;

/// <summary>What <see cref="ShapeInference.Infer"/> achieved: which values stay unresolved and which came from a runtime probe.</summary>
public sealed class ShapeInferenceResult
{
    internal ShapeInferenceResult(IReadOnlyList<UnresolvedValue> unresolved, IReadOnlyList<RuntimeResolvedValue> fromRuntime,
        IReadOnlyDictionary<string, long[]>? runtimeInputShapes, int inferredCount)
    {
        Unresolved = unresolved;
        FromRuntime = fromRuntime;
        RuntimeInputShapes = runtimeInputShapes;
        InferredCount = inferredCount;
    }

    /// <summary>Node outputs whose element type or shape (rank, or a dim neither known nor symbolic) is still missing.</summary>
    public IReadOnlyList<UnresolvedValue> Unresolved { get; }

    /// <summary>Values whose shapes were observed in ONNX Runtime rather than derived; valid only for <see cref="RuntimeInputShapes"/>.</summary>
    public IReadOnlyList<RuntimeResolvedValue> FromRuntime { get; }

    /// <summary>The graph input shapes the runtime probe ran with; null when no probe ran.</summary>
    public IReadOnlyDictionary<string, long[]>? RuntimeInputShapes { get; }

    /// <summary>
    /// Values of small integer tensors that shape arithmetic derived (e.g. <c>Gather(Shape(x), 1)</c> of an x whose dim 1
    /// is known), elements possibly symbolic; constant folding turns the fully known ones into constants.
    /// </summary>
    internal IReadOnlyDictionary<Value, Dim[]> TrackedValues { get; init; } = new Dictionary<Value, Dim[]>();

    /// <summary>Number of node outputs whose type was set or refined.</summary>
    public int InferredCount { get; }

    /// <summary>Whether every node output has an element type and a fully known or symbolic shape.</summary>
    public bool IsComplete => Unresolved.Count == 0;

    public override string ToString() =>
        IsComplete ? $"{InferredCount} values inferred" : $"{InferredCount} values inferred, {Unresolved.Count} unresolved";
}

/// <summary>A value shape inference could not resolve: which node produced it and why.</summary>
public sealed record UnresolvedValue(string ValueName, string NodeName, string OpType, string Reason)
{
    public override string ToString() => $"'{ValueName}' from {(NodeName.Length > 0 ? $"'{NodeName}' " : "")}({OpType}): {Reason}";
}

/// <summary>A value whose shape was observed by running the model (see <see cref="ShapeInferenceResult.RuntimeInputShapes"/>).</summary>
public sealed record RuntimeResolvedValue(string ValueName, TensorType Type);
