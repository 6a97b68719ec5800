using EdgeOpt.Onnx.Conversion;

namespace EdgeOpt.Onnx;

/// <summary>
/// Converts a model's default-domain (ai.onnx) operator set to another version, node by node, applying for every
/// operator each signature change between the two versions (attributes that became inputs, removed attributes,
/// renamed or replaced operators, changed defaults). Upgrades reach any opset from 1 to <see cref="MaxTargetOpset"/>;
/// downgrades work where the newer form can be expressed in the older one (e.g. its new inputs are constants).
/// <code>
/// var report = OpsetConverter.Convert(model, 17);
/// Console.WriteLine(report); // "opset 8 → 17: 22 nodes changed (BatchNormalization 22)"
/// </code>
/// </summary>
public static class OpsetConverter
{
    /// <summary>The lowest opset a model can be converted to (older ones are not run by ONNX Runtime).</summary>
    public const int MinTargetOpset = 7;

    /// <summary>The highest opset a model can be converted to.</summary>
    public const int MaxTargetOpset = 21;

    /// <summary>
    /// Converts <paramref name="model"/> in place to <paramref name="targetOpset"/>, updating its opset import and IR
    /// version. All or nothing: when a node cannot be converted the model is left untouched and an
    /// <see cref="UnsupportedOperatorException"/> names the node, the operator, both opsets and what blocks it.
    /// </summary>
    /// <exception cref="UsageException">The target opset is outside <see cref="MinTargetOpset"/>..<see cref="MaxTargetOpset"/>.</exception>
    public static OpsetConversionReport Convert(Model model, int targetOpset)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (targetOpset is < MinTargetOpset or > MaxTargetOpset)
            ThrowHelper.Usage($"target opset {targetOpset} is out of range: EdgeOpt converts to opsets {MinTargetOpset} to {MaxTargetOpset}");
        var source = model.GetOpset("") ?? ThrowHelper.ModelFormat<long>("the model imports no ai.onnx opset, so there is nothing to convert");
        if (source > MaxTargetOpset)
            ThrowHelper.Unsupported($"the model uses opset {source}; EdgeOpt knows the operator changes up to opset {MaxTargetOpset} only");

        // Work on a copy so that a refusal half way through leaves the caller's model as it was.
        var work = model.Clone();
        OpsetConversionReport report;
        try
        {
            report = new OpsetConverterCore(model, work, source, targetOpset).Run();
        }
        catch (EdgeOptException e) when (e.Message.Any(FileText.BreaksLine))
        {
            // Node and operator names come from the model file: escape control characters so an error stays one line.
            throw FileText.OneLine(e);
        }
        model.RestoreFrom(work);
        return report;
    }
}
