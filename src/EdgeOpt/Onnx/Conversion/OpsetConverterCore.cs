namespace EdgeOpt.Onnx.Conversion;

/// <summary>
/// Walks every default-domain node (subgraphs included) from the source opset to the target one, applying each
/// adapter whose version lies between them in order (ascending to upgrade, descending to downgrade), then checks
/// that the resulting operator exists at the target opset and updates the opset import and IR version.
/// </summary>
internal sealed class OpsetConverterCore(Model original, Model work, long source, int target)
{
    public OpsetConversionReport Run()
    {
        var context = new ConversionContext(original, work, source, target);
        var changed = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodes = work.Graph.AllGraphs().SelectMany(g => g.Nodes.ToList()).Where(n => n.IsOnnxDomain).ToList();
        foreach (var node in nodes)
        {
            var op = node.OpType;
            if (ConvertNode(node, context)) changed[op] = changed.GetValueOrDefault(op) + 1;
        }
        context.RemoveDeadConstants();

        var irBefore = work.IrVersion;
        work.SetOpset("", target);
        work.IrVersion = target >= source ? Math.Max(work.IrVersion, OperatorVersions.MinIrVersion(target)) : DowngradedIrVersion(work, target);
        return new OpsetConversionReport(source, target, irBefore, work.IrVersion, changed);
    }

    private bool ConvertNode(Node node, ConversionContext context)
    {
        if (!OperatorVersions.IsKnown(node.OpType))
            context.Refuse(node, $"'{node.OpType}' is not an ai.onnx operator EdgeOpt has a history for (experimental, removed or misspelt)");
        var changed = false;
        if (target > source)
        {
            for (var v = source + 1; v <= target; v++)
                foreach (var adapter in AdapterRegistry.Upgrades(node.OpType, (int)v))
                {
                    changed |= adapter.Upgrade(node, context);
                    node = context.Replaced.GetValueOrDefault(node, node);
                }
        }
        else
        {
            for (var v = source; v > target; v--)
                foreach (var adapter in AdapterRegistry.Downgrades(node.OpType, (int)v))
                {
                    changed |= adapter.Downgrade(node, context);
                    node = context.Replaced.GetValueOrDefault(node, node);
                }
        }
        if (!OperatorVersions.IsKnown(node.OpType) || OperatorVersions.SinceVersion(node.OpType) > target)
            context.Refuse(node, $"{node.OpType} first appears in opset {OperatorVersions.SinceVersion(node.OpType)} and has no equivalent in opset {target}");
        if (OperatorVersions.RetiredVersion(node.OpType) is { } retired && retired <= target)
            context.Refuse(node, $"{node.OpType} was retired in opset {retired}");
        return changed;
    }

    /// <summary>Downgrades lower the IR version to the opset's own so that older tools accept the model.</summary>
    private static long DowngradedIrVersion(Model model, long opset)
    {
        var needed = OperatorVersions.MinIrVersion(opset);
        if (model.IrVersion <= needed) return model.IrVersion;
        // IR 3 needs initializers listed as inputs and IR 8 is where local functions start: never go below what is used.
        var floor = model.Functions.Count > 0 ? 8 : 4;
        return Math.Max(floor, Math.Min(model.IrVersion, needed));
    }
}
