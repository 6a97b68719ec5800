using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>Helpers over any <see cref="ISampleSource"/>.</summary>
public static class SampleSourceExtensions
{
    /// <summary>The first <paramref name="limit"/> samples (all when null), read lazily in order; can be enumerated again.</summary>
    public static IEnumerable<IReadOnlyDictionary<string, Tensor>> Samples(this ISampleSource source, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var count = limit is { } l ? Math.Min(l, source.Count) : source.Count;
        for (var i = 0; i < count; i++) yield return source.Read(i);
    }

    /// <summary>
    /// Checks that the first sample feeds exactly the model's inputs with their element types and every fixed dim,
    /// so a mismatch fails before any long run with a message naming the input, expected vs got.
    /// </summary>
    /// <exception cref="UsageException">The source is empty, or its first sample does not fit the model.</exception>
    public static void CheckFits(this ISampleSource source, Model model)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(model);
        if (source.Count == 0) ThrowHelper.Usage($"{source.Description}: no samples");
        var sample = source.Read(0);
        var inputs = model.Graph.Inputs.Where(v => !v.IsInitializer).ToList();
        foreach (var name in sample.Keys)
            if (inputs.All(v => v.Name != name))
                ThrowHelper.Usage($"{source.Description}: feeds '{name}', which is not an input of the model (inputs: {string.Join(", ", inputs.Select(v => v.Name))})");
        foreach (var input in inputs)
        {
            if (!sample.TryGetValue(input.Name, out var tensor))
                ThrowHelper.Usage($"{source.Description}: has no data for the model input '{input.Name}'");
            if (input.Type is not TensorType type) continue;
            var got = $"{tensor!.DataType.OnnxName()}[{string.Join(",", tensor.Dims)}]";
            var expected = $"{type.ElementType.OnnxName()}[{(type.Shape is { } s ? string.Join(",", s) : "?")}]";
            var fits = tensor.DataType == type.ElementType
                && (type.Shape is not { } shape
                    || (shape.Rank == tensor.Dims.Count && shape.Select((d, i) => d.Value is not { } v || v == tensor.Dims[i]).All(ok => ok)));
            if (!fits) ThrowHelper.Usage($"{source.Description}: input '{input.Name}' expects {expected}, got {got}");
        }
    }
}
