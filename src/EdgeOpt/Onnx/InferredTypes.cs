namespace EdgeOpt.Onnx;

/// <summary>
/// The types static shape inference derives for a model, computed on a copy so the model itself is not touched
/// (a caller that ends up changing nothing must not even have changed its value types). The copy is disposed here;
/// an inference failure is handed back, not swallowed, so callers can say why a shape stayed unknown.
/// </summary>
internal sealed class InferredTypes
{
    private readonly Dictionary<string, OnnxType> _types;

    private InferredTypes(Dictionary<string, OnnxType> types, string? failure)
    {
        _types = types;
        Failure = failure;
    }

    /// <summary>Why inference stopped early (types found before the failure are still kept); null when it completed.</summary>
    public string? Failure { get; }

    /// <summary>Runs <see cref="ShapeInference.Infer(Model)"/> (static rules only) on a clone of <paramref name="model"/>.</summary>
    public static InferredTypes Of(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var types = new Dictionary<string, OnnxType>(StringComparer.Ordinal);
        string? failure = null;
        using var copy = model.Clone();
        try
        {
            ShapeInference.Infer(copy);
        }
        catch (EdgeOptException e)
        {
            failure = e.Message;
        }
        // First definition wins: names are unique per scope, and an outer value is seen before a subgraph's.
        foreach (var graph in copy.Graph.AllGraphs())
            foreach (var value in graph.Values())
                if (value.Type is { } type) types.TryAdd(value.Name, type);
        return new InferredTypes(types, failure);
    }

    /// <summary>The inferred type of the value named <paramref name="name"/>, or null when inference found none.</summary>
    public OnnxType? this[string name] => _types.GetValueOrDefault(name);
}
