namespace EdgeOpt.Onnx.Conversion;

/// <summary>
/// Binary ops before opset 7 (Add, Sub, Mul, Div, Pow, And, Or, Xor, Equal, Greater, Less) broadcast B onto A only
/// with <c>broadcast=1</c>, aligning B at <c>axis</c> (default: trailing dims, as numpy). From 7 broadcasting is
/// numpy-style, so B aligned at an axis needs trailing 1-dims: a reshaped constant, or an Unsqueeze.
/// </summary>
internal sealed class BroadcastAdapter(string op) : OpAdapter(op, 7)
{
    public override bool Upgrade(Node node, ConversionContext context)
    {
        var broadcast = node.Attributes.GetInt("broadcast", 0);
        var axisAttribute = node.Attributes["axis"];
        var changed = node.Attributes.Remove("broadcast") | node.Attributes.Remove("axis");
        if (broadcast == 0 || axisAttribute is null) return changed;

        Value a = context.Input(node, 0), b = context.Input(node, 1);
        var rankA = context.RequireRank(node, a);
        var constantB = ConversionContext.ConstantOf(b);
        var rankB = constantB?.Dims.Count ?? context.RequireRank(node, b);
        var given = context.AttributeValue<long>(node, axisAttribute, AttributeKind.Int);
        var axis = given < 0 ? given + rankA : given;
        // Range-checked before the int arithmetic: a hostile axis must not wrap around.
        var trailing = axis < 0 || axis > rankA ? -1 : rankA - (int)axis - rankB;
        if (trailing < 0) context.Refuse(node, $"axis {given} does not fit B of rank {rankB} into A of rank {rankA}");
        if (trailing == 0) return true;
        if (constantB is not null)
        {
            var dims = constantB.Dims.Concat(Enumerable.Repeat(1L, trailing)).ToArray();
            var reshaped = constantB.DataType == DataType.String
                ? Tensor.FromStrings(b.Name, dims, constantB.Strings)
                : Tensor.FromRaw(b.Name, constantB.DataType, dims, constantB.RawMemory);
            node.SetInput(1, context.AddConstant(node, b.Name, reshaped));
        }
        else
        {
            node.SetInput(1, context.Unsqueeze(node, b, Enumerable.Range(rankB, trailing).Select(i => (long)i).ToArray()));
        }
        return true;
    }

    // Downgrades never reach below opset 7 (OpsetConverter.MinTargetOpset).
    public override bool Downgrade(Node node, ConversionContext context) => false;
}
