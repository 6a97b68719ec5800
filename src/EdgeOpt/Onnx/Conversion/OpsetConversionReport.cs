namespace EdgeOpt.Onnx.Conversion;

/// <summary>What <see cref="OpsetConverter.Convert"/> did: opsets and IR versions before and after, nodes changed per operator.</summary>
public sealed record OpsetConversionReport(
    long SourceOpset,
    long TargetOpset,
    long IrVersionBefore,
    long IrVersionAfter,
    IReadOnlyDictionary<string, int> NodesChangedByOp)
{
    /// <summary>Total number of nodes whose form changed (attributes, inputs or operator).</summary>
    public int NodesChanged => NodesChangedByOp.Values.Sum();

    public override string ToString() =>
        $"opset {SourceOpset} → {TargetOpset}: {NodesChanged} nodes changed" +
        (NodesChanged == 0 ? "" : $" ({string.Join(", ", NodesChangedByOp.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"))})");
}
