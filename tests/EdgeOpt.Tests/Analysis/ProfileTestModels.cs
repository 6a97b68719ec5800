using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Analysis;

/// <summary>Small helpers for building the in-code models the analysis tests profile.</summary>
internal static class ProfileTestModels
{
    public static TensorType Float(params Dim[] dims) => new(DataType.Float, new TensorShape(dims));

    /// <summary>Zero-filled float weights of the given dims.</summary>
    public static Value Weights(GraphBuilder b, string name, params long[] dims) =>
        b.Initializer(name, new float[dims.Aggregate(1L, (x, y) => x * y)], dims);

    /// <summary>Gives an intermediate value a declared type (as an exporter's value_info would).</summary>
    public static Value Typed(Value value, TensorType type)
    {
        value.Type = type;
        return value;
    }
}
