namespace EdgeOpt.Onnx.Conversion;

/// <summary>Cast's <c>to</c> was a type name (e.g. "FLOAT") before opset 6 and is the TensorProto data type number since.</summary>
internal sealed class CastToAdapter() : OpAdapter("Cast", 6)
{
    public override bool Upgrade(Node node, ConversionContext context)
    {
        if (node.Attributes["to"] is not { Kind: AttributeKind.String } a) return false;
        var name = a.AsString();
        var type = Enum.GetValues<DataType>().FirstOrDefault(t => t != DataType.Undefined &&
            string.Equals(t.OnnxName(), name, StringComparison.OrdinalIgnoreCase) || string.Equals(t.ToString(), name, StringComparison.OrdinalIgnoreCase));
        if (type == DataType.Undefined) context.Refuse(node, $"'to' names an unknown type \"{name}\"");
        node.Attributes.Set("to", (long)type);
        return true;
    }

    public override bool Downgrade(Node node, ConversionContext context) => false;
}

/// <summary>Concat's <c>axis</c> defaulted to 1 before opset 4 and is required since.</summary>
internal sealed class ConcatAxisAdapter() : OpAdapter("Concat", 4)
{
    public override bool Upgrade(Node node, ConversionContext context)
    {
        if (node.Attributes.Contains("axis")) return false;
        node.Attributes.Set("axis", 1L);
        return true;
    }

    public override bool Downgrade(Node node, ConversionContext context) => false;
}

/// <summary>Constant gained value_float(s)/value_int(s)/value_string(s) at 12; downgrading turns them into a tensor <c>value</c>.</summary>
internal sealed class ConstantValueAdapter() : OpAdapter("Constant", 12)
{
    public override bool Upgrade(Node node, ConversionContext context) => false;

    public override bool Downgrade(Node node, ConversionContext context)
    {
        if (node.Attributes.Contains("value") || node.Attributes.Contains("sparse_value")) return false;
        if (node.Attributes.Any(a => a.Name is "value_string" or "value_strings"))
        {
            var a = node.Attributes.First(x => x.Name is "value_string" or "value_strings");
            var strings = a.Kind == AttributeKind.String ? [context.AttributeValue<byte[]>(node, a, AttributeKind.String)]
                : context.AttributeValue<byte[][]>(node, a, AttributeKind.Strings);
            Replace(node, a.Name, Tensor.FromStrings("value", a.Kind == AttributeKind.String ? [] : [strings.Length], strings));
            return true;
        }
        if (ConversionContext.ConstantOf(context.Output(node, 0)) is not { } t) return false;
        var name = node.Attributes.First(x => x.Name.StartsWith("value_", StringComparison.Ordinal)).Name;
        Replace(node, name, t.WithName("value"));
        return true;
    }

    private static void Replace(Node node, string attribute, Tensor value)
    {
        node.Attributes.Remove(attribute);
        node.Attributes.Set("value", value);
    }
}

/// <summary>
/// Split at 18 requires <c>num_outputs</c> when no <c>split</c> input is given (equal parts); upgrading states it.
/// Downgrading drops it: before 18 equal parts are implied.
/// </summary>
internal sealed class SplitOutputsAdapter() : OpAdapter("Split", 18)
{
    public override bool Upgrade(Node node, ConversionContext context)
    {
        if (ConversionContext.InputAt(node, 1) is not null || node.Attributes.Contains("num_outputs")) return false;
        node.Attributes.Set("num_outputs", (long)node.Outputs.Count);
        return true;
    }

    public override bool Downgrade(Node node, ConversionContext context) => node.Attributes.Remove("num_outputs");
}

/// <summary>
/// PRelu before 7 applied a 1-D slope per channel (dim 1, as PyTorch exports it); from 7 the slope broadcasts
/// numpy-style from the right. Upgrading gives a constant 1-D slope trailing 1-dims so it stays per channel.
/// </summary>
internal sealed class PReluSlopeAdapter() : OpAdapter("PRelu", 7)
{
    public override bool Upgrade(Node node, ConversionContext context)
    {
        var slope = context.Input(node, 1);
        if (ConversionContext.ConstantOf(slope) is not { Dims.Count: 1, DataType: not DataType.String } t || t.ElementCount == 1) return false;
        var rank = context.RequireRank(node, context.Input(node, 0));
        if (rank <= 2) return false;
        var dims = new long[rank - 1];
        Array.Fill(dims, 1L);
        dims[0] = t.Dims[0];
        node.SetInput(1, context.AddConstant(node, slope.Name, Tensor.FromRaw(slope.Name, t.DataType, dims, t.RawMemory)));
        return true;
    }

    public override bool Downgrade(Node node, ConversionContext context) => false;
}

/// <summary>Gemm's C became optional at 11; downgrading gives an omitted C a zero scalar (which broadcasts).</summary>
internal sealed class GemmBiasAdapter() : OpAdapter("Gemm", 11)
{
    public override bool Upgrade(Node node, ConversionContext context) => false;

    public override bool Downgrade(Node node, ConversionContext context)
    {
        if (ConversionContext.InputAt(node, 2) is not null) return false;
        var type = context.RequireElementType(node, context.Input(node, 0));
        ConversionContext.SetInputAt(node, 2, context.Scalar(node, "gemm_zero_bias", type, 0));
        return true;
    }
}

/// <summary>Pad's <c>paddings</c> attribute was renamed <c>pads</c> at opset 2.</summary>
internal sealed class PadRenameAdapter() : OpAdapter("Pad", 2)
{
    public override bool Upgrade(Node node, ConversionContext context)
    {
        if (node.Attributes["paddings"] is not { } a) return false;
        node.Attributes.Remove("paddings");
        node.Attributes.Set("pads", context.AttributeValue<long[]>(node, a, AttributeKind.Ints));
        return true;
    }

    public override bool Downgrade(Node node, ConversionContext context) => false;
}

/// <summary>GridSample-20 renamed its modes (bilinear → linear, bicubic → cubic) when it became N-dimensional.</summary>
internal sealed class GridSampleModeAdapter() : OpAdapter("GridSample", 20)
{
    private static readonly (string Old, string New)[] Modes = [("bilinear", "linear"), ("bicubic", "cubic")];

    public override bool Upgrade(Node node, ConversionContext context) => Rename(node, m => m.Old, m => m.New);

    public override bool Downgrade(Node node, ConversionContext context)
    {
        if (context.RankOf(context.Input(node, 0)) is { } rank && rank != 4)
            context.Refuse(node, $"a rank-{rank} input has no equivalent before opset 20 (only 4-D)");
        return Rename(node, m => m.New, m => m.Old);
    }

    private static bool Rename(Node node, Func<(string Old, string New), string> from, Func<(string Old, string New), string> to)
    {
        var mode = node.Attributes.GetString("mode", "bilinear");
        foreach (var m in Modes)
        {
            if (mode != from(m)) continue;
            node.Attributes.Set("mode", to(m));
            return true;
        }
        return false;
    }
}
