namespace EdgeOpt.Onnx.Conversion;

/// <summary>
/// An attribute dropped at <see cref="OpAdapter.Version"/> (consumed_inputs at 6, is_test at 7, Gemm broadcast at 7,
/// BatchNormalization spatial at 9). Upgrading removes it unless <paramref name="blocker"/> says its value changes
/// the result; downgrading has nothing to add.
/// </summary>
internal sealed class RemovedAttributeAdapter(string op, int version, string attribute,
    Func<Node, OnnxAttribute, ConversionContext, string?>? blocker = null) : OpAdapter(op, version)
{
    public override bool Upgrade(Node node, ConversionContext context)
    {
        if (node.Attributes[attribute] is not { } a) return false;
        if (blocker?.Invoke(node, a, context) is { } reason) context.Refuse(node, reason);
        return node.Attributes.Remove(attribute);
    }

    public override bool Downgrade(Node node, ConversionContext context) => false;
}

/// <summary>
/// An attribute added at <see cref="OpAdapter.Version"/> whose default keeps the old behaviour (ceil_mode, dilations,
/// select_last_index, layout, allowzero...). Downgrading drops it when it holds the default and refuses otherwise.
/// </summary>
internal sealed class NewAttributeAdapter(string op, int version, string attribute, Func<OnnxAttribute, bool> isDefault)
    : OpAdapter(op, version)
{
    public static Func<OnnxAttribute, bool> Int(long value) => a => a.Value is long v && v == value;
    public static Func<OnnxAttribute, bool> Text(string value) => a => a.Kind == AttributeKind.String && a.AsString() == value;
    public static Func<OnnxAttribute, bool> AllOnes => a => a.Value is long[] v && v.All(x => x == 1);

    public override bool Upgrade(Node node, ConversionContext context) => false;

    public override bool Downgrade(Node node, ConversionContext context)
    {
        if (node.Attributes[attribute] is not { } a) return false;
        if (!isDefault(a)) context.Refuse(node, $"attribute {a} has no equivalent before opset {Version}");
        return node.Attributes.Remove(attribute);
    }
}

/// <summary>
/// An optional input added at <see cref="OpAdapter.Version"/> (Slice steps at 10, Dropout training_mode at 12, Pad
/// axes at 18...). Downgrading drops it when it is omitted or a constant that <paramref name="isDefault"/> accepts.
/// </summary>
internal sealed class NewInputAdapter(string op, int version, int index, string inputName, Func<Tensor, bool>? isDefault = null)
    : OpAdapter(op, version)
{
    public static Func<Tensor, bool> AllOnes => t => t.ToInt64Array().All(x => x == 1);
    public static Func<Tensor, bool> AllZero => t => t.ToInt64Array().All(x => x == 0);

    public override bool Upgrade(Node node, ConversionContext context) => false;

    public override bool Downgrade(Node node, ConversionContext context)
    {
        if (ConversionContext.InputAt(node, index) is not { } v) return false;
        // A default test reads numbers: a string constant is no default.
        if (isDefault is null || ConversionContext.ConstantOf(v) is not { DataType: not DataType.String } t || !isDefault(t))
            context.Refuse(node, $"input '{inputName}' ('{v.Name}') has no equivalent before opset {Version}");
        context.DetachInput(node, index);
        ConversionContext.TrimTrailingEmptyInputs(node);
        return true;
    }
}

/// <summary>An operator renamed at <see cref="OpAdapter.Version"/> with the same inputs and attributes (Scatter → ScatterElements at 11).</summary>
internal sealed class RenameAdapter(string oldOp, string newOp, int version) : OpAdapter(oldOp, newOp, version)
{
    public override bool Upgrade(Node node, ConversionContext context)
    {
        node.OpType = NewOp;
        return true;
    }

    public override bool Downgrade(Node node, ConversionContext context)
    {
        node.OpType = OldOp;
        return true;
    }
}

/// <summary>A change EdgeOpt does not rewrite; converting across it is refused with the reason.</summary>
internal sealed class RefusedChangeAdapter(string op, int version, string reason) : OpAdapter(op, version)
{
    public override bool Upgrade(Node node, ConversionContext context)
    {
        context.Refuse(node, reason);
        return false;
    }

    public override bool Downgrade(Node node, ConversionContext context) => Upgrade(node, context);
}
