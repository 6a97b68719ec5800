namespace EdgeOpt.Onnx.Conversion;

/// <summary>
/// Softmax, LogSoftmax and Hardmax before 13 flatten the input to 2-D at <c>axis</c> (default 1) and normalise each
/// row; from 13 they normalise along the single <c>axis</c> (default -1). The two agree when axis is the last dim,
/// so upgrading sets that axis explicitly; otherwise it keeps the old meaning with Flatten → op(axis=1) → Reshape
/// back to the input's shape. Downgrading is possible only for the last axis.
/// </summary>
internal sealed class SoftmaxAdapter(string op) : OpAdapter(op, 13)
{
    public override bool Upgrade(Node node, ConversionContext context)
    {
        var x = context.Input(node, 0);
        var axis = node.Attributes.GetInt("axis", 1);
        if (context.RankOf(x) is { } rank && (axis < 0 ? axis + rank : axis) == rank - 1)
        {
            node.Attributes.Set("axis", -1L);
            return true;
        }
        var shape = context.InsertBefore(node, "Shape", [x]);
        var flat = context.InsertBefore(node, "Flatten", [x], ("axis", axis));
        node.SetInput(0, flat);
        node.Attributes.Set("axis", 1L);
        var result = context.Output(node, 0);
        var rows = new Value(context.Names.Fresh(result.Name.Length > 0 ? result.Name : "softmax"));
        node.SetOutput(0, rows);
        var reshape = new Node("Reshape", [rows, shape], [result], name: context.Names.Fresh("Reshape"));
        node.Graph!.InsertAfter(node, reshape);
        return true;
    }

    public override bool Downgrade(Node node, ConversionContext context)
    {
        var axis = node.Attributes.GetInt("axis", -1);
        var rank = context.RankOf(context.Input(node, 0));
        var normalized = axis >= 0 ? axis : rank is { } r ? axis + r : (long?)null;
        var isLast = axis == -1 || (rank is { } rr && normalized == rr - 1);
        if (!isLast)
            context.Refuse(node, $"axis {axis} is not the last dimension, and before opset 13 {OpType(node)} normalises everything after the axis together");
        // Negative axes are accepted from opset 11; before that the rank must be known.
        if (context.Target >= 11) node.Attributes.Set("axis", -1L);
        else node.Attributes.Set("axis", (long)(rank ?? context.RequireRank(node, context.Input(node, 0))) - 1);
        return true;
    }

    private static string OpType(Node node) => node.OpType;
}
