namespace EdgeOpt.Onnx.Conversion;

/// <summary>
/// One signature change of one operator: how a node in the form before <see cref="Version"/> becomes the form
/// from <see cref="Version"/> on (<see cref="Upgrade"/>) and back (<see cref="Downgrade"/>). The operator may be
/// renamed across the change (Upsample → Resize at 10): <see cref="OldOp"/> before, <see cref="NewOp"/> after.
/// </summary>
internal abstract class OpAdapter(string oldOp, string newOp, int version)
{
    protected OpAdapter(string op, int version) : this(op, op, version) { }

    public string OldOp { get; } = oldOp;
    public string NewOp { get; } = newOp;

    /// <summary>The first opset with the new form.</summary>
    public int Version { get; } = version;

    /// <summary>Rewrites the node into the new form; returns whether anything changed.</summary>
    public abstract bool Upgrade(Node node, ConversionContext context);

    /// <summary>Rewrites the node into the old form, or refuses through <see cref="ConversionContext.Refuse"/>.</summary>
    public abstract bool Downgrade(Node node, ConversionContext context);
}
