using EdgeOpt.Onnx;
using static EdgeOpt.Onnx.ShapeInference;
using static EdgeOpt.Tests.ShapeInference.Build;

namespace EdgeOpt.Tests.ShapeInference;

public class ConvAndPoolTests
{
    [Fact]
    public void Conv_keeps_symbolic_batch_and_applies_strides_and_pads()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, N, 3, 224, 224);
        var y = b.Op("Conv", [x, Weights(b, "w", 64, 3, 7, 7)], ("strides", new long[] { 2, 2 }), ("pads", new long[] { 3, 3, 3, 3 }));
        var r = Infer(b.Build());
        Assert.True(r.IsComplete, string.Join("; ", r.Unresolved));
        Assert.Equal("float[N,64,112,112]", TypeOf(y));
    }

    [Fact]
    public void Grouped_dilated_conv_takes_kernel_from_weights()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 1, 32, 20, 30);
        // depthwise: group 32, weights [32, 1, 3, 3]; dilation 2 makes the effective kernel 5
        var y = b.Op("Conv", [x, Weights(b, "w", 32, 1, 3, 3)], ("group", 32L), ("dilations", new long[] { 2, 2 }));
        Infer(b.Build());
        Assert.Equal("float[1,32,16,26]", TypeOf(y));
    }

    [Theory]
    [InlineData("SAME_UPPER", 2, "[1,8,13,10]")]
    [InlineData("SAME_LOWER", 2, "[1,8,13,10]")]
    [InlineData("VALID", 2, "[1,8,12,9]")]
    [InlineData("NOTSET", 1, "[1,8,23,18]")]
    public void Conv_auto_pad_modes(string autoPad, long stride, string expected)
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 1, 4, 25, 20);
        var y = b.Op("Conv", [x, Weights(b, "w", 8, 4, 3, 3)], ("auto_pad", autoPad), ("strides", new long[] { stride, stride }));
        Infer(b.Build());
        Assert.Equal("float" + expected, TypeOf(y));
    }

    [Fact]
    public void Conv_1d_and_3d()
    {
        var b = new GraphBuilder();
        var x1 = b.Input("x1", DataType.Float, 2, 4, 100);
        var y1 = b.Op("Conv", [x1, Weights(b, "w1", 6, 4, 5)], ("strides", new long[] { 5 }));
        var x3 = b.Input("x3", DataType.Float, 1, 2, 8, 8, 8);
        var y3 = b.Op("Conv", [x3, Weights(b, "w3", 4, 2, 3, 3, 3)], ("pads", new long[] { 1, 1, 1, 1, 1, 1 }));
        Infer(b.Build());
        Assert.Equal("float[2,6,20]", TypeOf(y1));
        Assert.Equal("float[1,4,8,8,8]", TypeOf(y3));
    }

    [Fact]
    public void ConvTranspose_with_output_padding_and_with_output_shape()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, N, 16, 7, 7);
        var w = Weights(b, "w", 16, 8, 3, 3);
        var a = b.Op("ConvTranspose", [x, w], ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }), ("output_padding", new long[] { 1, 1 }));
        var c = b.Op("ConvTranspose", [x, w], ("strides", new long[] { 3, 3 }), ("output_shape", new long[] { 22, 23 }));
        var g = b.Op("ConvTranspose", [x, Weights(b, "wg", 16, 2, 3, 3)], ("group", 4L), ("auto_pad", "SAME_UPPER"), ("strides", new long[] { 2, 2 }));
        Infer(b.Build());
        Assert.Equal("float[N,8,14,14]", TypeOf(a));
        Assert.Equal("float[N,8,22,23]", TypeOf(c));
        Assert.Equal("float[N,8,14,14]", TypeOf(g));
    }

    [Theory]
    [InlineData(0, "[1,3,56,56]")]
    [InlineData(1, "[1,3,57,57]")]
    public void MaxPool_ceil_mode(long ceil, string expected)
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 1, 3, 114, 114);
        var y = b.Op("MaxPool", [x], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("ceil_mode", ceil));
        Infer(b.Build());
        Assert.Equal("float" + expected, TypeOf(y));
    }

    [Fact]
    public void MaxPool_indices_output_is_int64_and_pools_follow_pads_and_auto_pad()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, N, 8, 32, 32);
        var pool = b.AddNode("MaxPool", [x], 2, attributes: [("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })]);
        var avg = b.Op("AveragePool", [x], ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        var same = b.Op("AveragePool", [x], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 3, 3 }), ("auto_pad", "SAME_UPPER"));
        var gap = b.Op("GlobalAveragePool", [x]);
        var gmp = b.Op("GlobalMaxPool", [x]);
        Infer(b.Build());
        Assert.Equal("float[N,8,16,16]", TypeOf(pool.Outputs[0]));
        Assert.Equal("int64[N,8,16,16]", TypeOf(pool.Outputs[1]));
        Assert.Equal("float[N,8,32,32]", TypeOf(avg));
        Assert.Equal("float[N,8,11,11]", TypeOf(same));
        Assert.Equal("float[N,8,1,1]", TypeOf(gap));
        Assert.Equal("float[N,8,1,1]", TypeOf(gmp));
    }

    [Fact]
    public void Symbolic_spatial_dim_is_reported_unresolved_with_the_node()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, N, 3, Dim.Symbolic("H"), 32);
        var y = b.AddNode("Conv", [x, Weights(b, "w", 4, 3, 3, 3)], name: "conv1", attributes: [("strides", new long[] { 2, 2 })]).Outputs[0];
        var r = Infer(b.Build());
        Assert.Equal("float[N,4,?,15]", TypeOf(y));
        var u = Assert.Single(r.Unresolved);
        Assert.Equal((y.Name, "conv1", "Conv"), (u.ValueName, u.NodeName, u.OpType));
        Assert.Contains("unknown", u.Reason, StringComparison.Ordinal);
    }
}
