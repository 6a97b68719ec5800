using EdgeOpt.Onnx;
using static EdgeOpt.Onnx.ShapeInference;
using static EdgeOpt.Tests.ShapeInference.Build;

namespace EdgeOpt.Tests.ShapeInference;

public class ElementwiseAndMatMulTests
{
    [Fact]
    public void Broadcasting_aligns_right_and_keeps_symbols()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, N, 1, 5);
        var y = b.Input("y", DataType.Float, 4, 1);
        var z = b.Input("z", DataType.Float, N, Dim.Symbolic("S"), 1);
        var add = b.Op("Add", [x, y]);
        var mul = b.Op("Mul", [x, z]);
        var sum = b.Op("Sum", [x, y, z]);
        var less = b.Op("Less", [x, y]);
        var where = b.Op("Where", [less, x, y]);
        Infer(b.Build());
        Assert.Equal("float[N,4,5]", TypeOf(add));
        Assert.Equal("float[N,S,5]", TypeOf(mul));
        Assert.Equal("float[N,4,5]", TypeOf(sum));
        Assert.Equal("bool[N,4,5]", TypeOf(less));
        Assert.Equal("float[N,4,5]", TypeOf(where));
    }

    [Fact]
    public void Incompatible_broadcast_is_unresolved_with_a_reason()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 2, 3);
        var y = b.Input("y", DataType.Float, 4, 3);
        var add = b.Op("Add", [x, y]);
        var r = Infer(b.Build());
        Assert.Null(add.Type);
        Assert.Contains("cannot broadcast dims 2 and 4", Assert.Single(r.Unresolved).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Unary_ops_keep_type_and_shape_and_dropout_has_a_bool_mask()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float16, N, 10);
        var outs = new[] { "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Elu", "HardSigmoid", "Softplus", "Erf", "Softmax", "LogSoftmax", "Identity", "Sqrt", "Neg" }
            .Select(op => b.Op(op, [x])).ToList();
        var dropout = b.AddNode("Dropout", [x], 2);
        var not = b.Op("Not", [b.Input("m", DataType.Bool, 3)]);
        Infer(b.Build());
        Assert.All(outs, v => Assert.Equal("float16[N,10]", TypeOf(v)));
        Assert.Equal("float16[N,10]", TypeOf(dropout.Outputs[0]));
        Assert.Equal("bool[N,10]", TypeOf(dropout.Outputs[1]));
        Assert.Equal("bool[3]", TypeOf(not));
    }

    [Theory]
    [InlineData(new long[] { 3, 4 }, new long[] { 4, 5 }, "[3,5]")]
    [InlineData(new long[] { 4 }, new long[] { 4, 5 }, "[5]")]
    [InlineData(new long[] { 3, 4 }, new long[] { 4 }, "[3]")]
    [InlineData(new long[] { 4 }, new long[] { 4 }, "[]")]
    [InlineData(new long[] { 2, 1, 3, 4 }, new long[] { 7, 4, 5 }, "[2,7,3,5]")]
    [InlineData(new long[] { 6, 3, 4 }, new long[] { 4, 5 }, "[6,3,5]")]
    public void MatMul_follows_numpy(long[] a, long[] b, string expected)
    {
        var g = new GraphBuilder();
        var y = g.Op("MatMul", [g.Input("a", DataType.Float, a.Select(Dim.Of).ToArray()), g.Input("b", DataType.Float, b.Select(Dim.Of).ToArray())]);
        Infer(g.Build());
        Assert.Equal("float" + expected, TypeOf(y));
    }

    [Fact]
    public void MatMul_with_symbolic_batch_and_Gemm_transposes()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, N, Dim.Symbolic("T"), 64);
        var mm = b.Op("MatMul", [x, Weights(b, "w", 64, 32)]);
        var f = b.Input("f", DataType.Float, N, 512);
        var gemm = b.Op("Gemm", [f, Weights(b, "fc", 1000, 512), Weights(b, "bias", 1000)], ("transB", 1L));
        var gemmA = b.Op("Gemm", [b.Input("t", DataType.Float, 7, 3), Weights(b, "w2", 7, 5)], ("transA", 1L));
        Infer(b.Build());
        Assert.Equal("float[N,T,32]", TypeOf(mm));
        Assert.Equal("float[N,1000]", TypeOf(gemm));
        Assert.Equal("float[3,5]", TypeOf(gemmA));
    }

    [Fact]
    public void Normalizations_keep_shape_and_layer_norm_statistics_reduce_from_axis()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, N, 16, 8, 8);
        var bn = b.Op("BatchNormalization", [x, Weights(b, "s", 16), Weights(b, "bb", 16), Weights(b, "m", 16), Weights(b, "v", 16)]);
        var t = b.Input("t", DataType.Float, N, Dim.Symbolic("T"), 256);
        var ln = b.AddNode("LayerNormalization", [t, Weights(b, "g", 256), Weights(b, "beta", 256)], 3);
        Infer(b.Build());
        Assert.Equal("float[N,16,8,8]", TypeOf(bn));
        Assert.Equal("float[N,T,256]", TypeOf(ln.Outputs[0]));
        Assert.Equal("float[N,T,1]", TypeOf(ln.Outputs[1]));
        Assert.Equal("float[N,T,1]", TypeOf(ln.Outputs[2]));
    }
}
