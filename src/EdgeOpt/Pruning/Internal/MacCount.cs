using EdgeOpt.Analysis;
using EdgeOpt.Onnx;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// MACs as pruning targets them: <see cref="ModelProfile"/> on a copy (it infers shapes into the model it is given),
/// with every symbolic input dim (batch, sequence) bound to 1, so a model with a dynamic batch still has a count and
/// the before/after ratio is per sample.
/// </summary>
internal static class MacCount
{
    public static long Of(Model model)
    {
        using var copy = model.Clone();
        return ModelProfile.Analyze(copy, new ProfileOptions { DimensionValues = SymbolsAsOne(model) }).Macs;
    }

    /// <summary>Every symbolic dim of the graph inputs, bound to 1.</summary>
    public static IReadOnlyDictionary<string, long> SymbolsAsOne(Model model) =>
        model.Graph.Inputs.Where(v => !v.IsInitializer).SelectMany(v => v.Shape ?? new TensorShape())
            .Where(d => d.Symbol is not null).Select(d => d.Symbol!).Distinct(StringComparer.Ordinal)
            .ToDictionary(s => s, _ => 1L, StringComparer.Ordinal);
}
