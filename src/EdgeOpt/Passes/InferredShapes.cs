using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// Value shapes for passes that need ranks a model does not declare (many ship without value_info). Declared shapes
/// win; missing ones come from <see cref="ShapeInference"/> run once, lazily, on a copy — a pass that ends up
/// changing nothing must not have touched the model, not even its types.
/// </summary>
internal sealed class InferredShapes(Model model, PassContext context, string passName)
{
    private Dictionary<string, OnnxType>? _inferred;

    /// <summary>The shape of <paramref name="value"/>: declared, else inferred; null when neither knows it.</summary>
    public TensorShape? Of(Value? value)
    {
        if (value is null) return null;
        if (value.Shape is { } declared) return declared;
        return Inferred().TryGetValue(value.Name, out var type) && type is TensorType { Shape: { } shape } ? shape : null;
    }

    /// <summary>The element type of <paramref name="value"/>: declared, else inferred.</summary>
    public DataType? ElementTypeOf(Value? value)
    {
        if (value is null) return null;
        if (value.ElementType is { } declared) return declared;
        return Inferred().TryGetValue(value.Name, out var type) && type is TensorType t ? t.ElementType : null;
    }

    private Dictionary<string, OnnxType> Inferred()
    {
        if (_inferred is not null) return _inferred;
        _inferred = new Dictionary<string, OnnxType>(StringComparer.Ordinal);
        using var copy = model.Clone();
        try
        {
            ShapeInference.Infer(copy);
        }
        catch (EdgeOptException e)
        {
            context.Note(passName, $"shape inference failed, using declared shapes only: {e.Message}");
        }
        foreach (var graph in copy.Graph.AllGraphs())
            foreach (var v in graph.Values())
                if (v.Type is { } t) _inferred.TryAdd(v.Name, t);
        return _inferred;
    }
}
