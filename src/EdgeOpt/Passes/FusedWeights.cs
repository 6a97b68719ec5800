using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Reading and writing the real-valued weights that fusion passes fold arithmetic into. Folding runs in double and
/// writes back in the weight's own type, so a float model gains no rounding beyond one final float conversion.
/// New weights are always new tensors: payloads are shared with model clones and must never change in place.
/// </summary>
internal static class FusedWeights
{
    /// <summary>Whether fusions handle this element type (float, double, float16).</summary>
    public static bool IsSupported(DataType type) => type is DataType.Float or DataType.Double or DataType.Float16;

    /// <summary>The elements of a float, double or float16 tensor as doubles.</summary>
    public static double[] Read(Tensor tensor) => tensor.DataType switch
    {
        DataType.Double => tensor.ToArray<double>(),
        _ => Array.ConvertAll(tensor.ToSingleArray(), v => (double)v),
    };

    /// <summary>A new tensor of <paramref name="type"/> holding <paramref name="values"/>.</summary>
    public static Tensor Create(string name, DataType type, double[] values, params long[] dims) => type switch
    {
        DataType.Float => Tensor.Create<float>(name, Array.ConvertAll(values, v => (float)v), dims),
        DataType.Double => Tensor.Create<double>(name, values, dims),
        DataType.Float16 => Tensor.Create<Half>(name, Array.ConvertAll(values, v => (Half)v), dims),
        _ => throw new NotSupportedException($"tensor '{name}': fusions do not write {type.OnnxName()}"),
    };

    /// <summary>Adds <paramref name="values"/> as a new initializer of <paramref name="graph"/> named after <paramref name="hint"/>.</summary>
    public static Value AddInitializer(Graph graph, NameGenerator names, string hint, DataType type, double[] values, params long[] dims) =>
        graph.Initializers.Add(Create(names.Fresh(hint), type, values, dims));

    /// <summary>Adds an int64 initializer (e.g. a Reshape target shape).</summary>
    public static Value AddInt64Initializer(Graph graph, NameGenerator names, string hint, long[] values) =>
        graph.Initializers.Add(Tensor.Create<long>(names.Fresh(hint), values, values.Length));

    /// <summary>
    /// Drops a constant that a rewrite stopped reading: its initializer, or its <c>Constant</c> node. Values that are
    /// still read, graph inputs and graph outputs are left alone.
    /// </summary>
    public static void ReleaseIfUnused(Value? value)
    {
        if (value is null || !GraphQueries.IsUnused(value) || value.IsGraphInput) return;
        if (value.Initializer is not null && value.Graph is { } scope)
            scope.Initializers.Remove(value);
        else if (value.Producer is { OpType: "Constant", Graph: { } graph } constant && constant.Outputs.Count == 1)
            graph.RemoveNode(constant);
    }
}
