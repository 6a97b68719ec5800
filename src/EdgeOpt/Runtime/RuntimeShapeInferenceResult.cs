using EdgeOpt.Onnx;

namespace EdgeOpt.Runtime;

/// <summary>What <see cref="RuntimeShapeInference.Infer"/> achieved: which values stay unresolved and which came from the runtime.</summary>
public sealed class RuntimeShapeInferenceResult
{
    internal RuntimeShapeInferenceResult(ShapeInferenceResult inferred, IReadOnlyList<RuntimeResolvedValue> fromRuntime,
        IReadOnlyDictionary<string, long[]>? runtimeInputShapes)
    {
        Inferred = inferred;
        Unresolved = inferred.Unresolved;
        InferredCount = inferred.InferredCount;
        FromRuntime = fromRuntime;
        RuntimeInputShapes = runtimeInputShapes;
    }

    /// <summary>The underlying static result, runtime types included (tracked shape values for callers in this library).</summary>
    internal ShapeInferenceResult Inferred { get; }

    /// <summary>Node outputs still missing an element type or shape: subgraph values, and values the run did not produce as tensors.</summary>
    public IReadOnlyList<UnresolvedValue> Unresolved { get; }

    /// <summary>Values whose shapes were observed in ONNX Runtime rather than derived; valid only for <see cref="RuntimeInputShapes"/>.</summary>
    public IReadOnlyList<RuntimeResolvedValue> FromRuntime { get; }

    /// <summary>The graph input shapes the runtime probe ran with; null when no probe ran.</summary>
    public IReadOnlyDictionary<string, long[]>? RuntimeInputShapes { get; }

    /// <summary>Number of node outputs whose type was set or refined, statically or from the runtime.</summary>
    public int InferredCount { get; }

    /// <summary>Whether every node output has an element type and a fully known or symbolic shape.</summary>
    public bool IsComplete => Unresolved.Count == 0;

    public override string ToString() =>
        (IsComplete ? $"{InferredCount} values inferred" : $"{InferredCount} values inferred, {Unresolved.Count} unresolved") +
        (FromRuntime.Count > 0 ? $", {FromRuntime.Count} from ONNX Runtime" : "");
}

/// <summary>A value whose shape was observed by running the model (see <see cref="RuntimeShapeInferenceResult.RuntimeInputShapes"/>).</summary>
public sealed record RuntimeResolvedValue(string ValueName, TensorType Type);
