using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.ShapeInference;

/// <summary>Small helpers for building test graphs: zero-filled weights and int64 shape constants.</summary>
internal static class Build
{
    public static Value Weights(GraphBuilder b, string name, params long[] dims) =>
        b.Initializer(Tensor.Create(name, new float[dims.Aggregate(1L, (x, y) => x * y)], dims));

    public static Value Ints(GraphBuilder b, string name, params long[] values) =>
        b.Initializer(Tensor.Create(name, values, values.Length));

    public static Value Scalar(GraphBuilder b, string name, long value) => b.Initializer(Tensor.Scalar(name, value));

    public static Dim N => Dim.Symbolic("N");

    /// <summary>The value's type as text, e.g. <c>float[N,64,112,112]</c>.</summary>
    public static string TypeOf(Value v) => v.Type?.ToString() ?? "<none>";
}
