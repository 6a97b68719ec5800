namespace EdgeOpt.Onnx;

/// <summary>What <see cref="ShapeInference.Infer(Model)"/> achieved: how many values it typed and which stay unresolved.</summary>
public sealed class ShapeInferenceResult
{
    internal ShapeInferenceResult(IReadOnlyList<UnresolvedValue> unresolved, int inferredCount)
    {
        Unresolved = unresolved;
        InferredCount = inferredCount;
    }

    /// <summary>Node outputs whose element type or shape (rank, or a dim neither known nor symbolic) is still missing.</summary>
    public IReadOnlyList<UnresolvedValue> Unresolved { get; }

    /// <summary>
    /// Values of small integer tensors that shape arithmetic derived (e.g. <c>Gather(Shape(x), 1)</c> of an x whose dim 1
    /// is known), elements possibly symbolic; constant folding turns the fully known ones into constants.
    /// </summary>
    internal IReadOnlyDictionary<Value, Dim[]> TrackedValues { get; init; } = new Dictionary<Value, Dim[]>();

    /// <summary>Values whose types an observer supplied (see the internal <c>ShapeInference.Infer</c> overload), as set.</summary>
    internal IReadOnlyList<(string Name, TensorType Type)> Observed { get; init; } = [];

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
