using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// Value shapes for passes that need ranks a model does not declare (many ship without value_info). Declared shapes
/// win; missing ones come from <see cref="ShapeInference"/> run once, lazily, on a copy — a pass that ends up
/// changing nothing must not have touched the model, not even its types.
/// </summary>
internal sealed class InferredShapes(Model model, PassContext context, string passName)
{
    private InferredTypes? _inferred;

    /// <summary>The shape of <paramref name="value"/>: declared, else inferred; null when neither knows it.</summary>
    public TensorShape? Of(Value? value)
    {
        if (value is null) return null;
        if (value.Shape is { } declared) return declared;
        return Inferred()[value.Name] is TensorType { Shape: { } shape } ? shape : null;
    }

    /// <summary>The element type of <paramref name="value"/>: declared, else inferred.</summary>
    public DataType? ElementTypeOf(Value? value)
    {
        if (value is null) return null;
        if (value.ElementType is { } declared) return declared;
        return Inferred()[value.Name] is TensorType t ? t.ElementType : null;
    }

    private InferredTypes Inferred()
    {
        if (_inferred is not null) return _inferred;
        _inferred = InferredTypes.Of(model);
        if (_inferred.Failure is { } failure)
            context.Note(passName, $"shape inference failed, using declared shapes only: {failure}");
        return _inferred;
    }
}
