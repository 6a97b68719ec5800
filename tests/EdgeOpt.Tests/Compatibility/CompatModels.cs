using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Compatibility;

/// <summary>Small models for the backend checks, built in code.</summary>
internal static class CompatModels
{
    /// <summary>Conv → Relu → HardSwish → Conv → Relu, input <c>x</c> of <paramref name="batch"/> x 3 x 8 x 8.</summary>
    public static Model ConvChain(Dim batch, string middleOp = "HardSwish", bool constantWeights = true)
    {
        var b = new GraphBuilder("chain", opset: 17);
        var x = b.Input("x", DataType.Float, batch, 3, 8, 8);
        var w1 = constantWeights
            ? b.Initializer("w1", Enumerable.Range(0, 4 * 3 * 3 * 3).Select(i => (i % 7 - 3) * 0.05f).ToArray(), 4, 3, 3, 3)
            : b.Input("w1", DataType.Float, 4, 3, 3, 3);
        var w2 = b.Initializer("w2", Enumerable.Range(0, 4 * 4 * 3 * 3).Select(i => (i % 5 - 2) * 0.05f).ToArray(), 4, 4, 3, 3);
        var pads = ("pads", (object)new long[] { 1, 1, 1, 1 });
        var y = b.Op("Relu", [b.AddNode("Conv", [x, w1], name: "conv1", attributes: pads).Outputs[0]]);
        y = b.AddNode(middleOp, [y], name: "middle").Outputs[0];
        y = b.AddNode("Conv", [y, w2], name: "conv2", attributes: pads).Outputs[0];
        b.Output(b.Op("Relu", [y]), "y");
        return b.Build();
    }

    /// <summary>Token ids (int64) → Add → Mul (int64) → Cast to float → Relu.</summary>
    public static Model Int64Heavy()
    {
        var b = new GraphBuilder("ids", opset: 17);
        var ids = b.Input("ids", DataType.Int64, 1, 8);
        var offset = b.Initializer("offset", new long[] { 3 }, 1);
        var scale = b.Initializer("scale", new long[] { 2 }, 1);
        var shifted = b.AddNode("Add", [ids, offset], name: "add").Outputs[0];
        var scaled = b.AddNode("Mul", [shifted, scale], name: "mul").Outputs[0];
        var asFloat = b.AddNode("Cast", [scaled], name: "cast", attributes: ("to", (object)(long)DataType.Float)).Outputs[0];
        b.Output(b.AddNode("Relu", [asFloat], name: "relu").Outputs[0], "y");
        return b.Build();
    }
}
