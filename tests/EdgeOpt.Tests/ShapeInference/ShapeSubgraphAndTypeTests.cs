using EdgeOpt.Onnx;
using static EdgeOpt.Onnx.ShapeInference;
using static EdgeOpt.Tests.ShapeInference.Build;

namespace EdgeOpt.Tests.ShapeInference;

public class ShapeSubgraphAndTypeTests
{
    [Fact]
    public void Shape_Gather_Unsqueeze_Concat_Reshape_resolves_with_a_symbolic_batch()
    {
        // The PyTorch export pattern for x.view(x.size(0), -1).
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, N, 32, 4, 4);
        var shape = b.Op("Shape", [x]);
        var batch = b.Op("Gather", [shape, Scalar(b, "zero", 0)], ("axis", 0L));
        var batch1 = b.Op("Unsqueeze", [batch, Ints(b, "axes", 0)]);
        var target = b.Op("Concat", [batch1, Ints(b, "minus1", -1)], ("axis", 0L));
        var y = b.Op("Reshape", [x, target]);
        var r = Infer(b.Build());
        Assert.True(r.IsComplete, string.Join("; ", r.Unresolved));
        Assert.Equal("int64[4]", TypeOf(shape));
        Assert.Equal("int64[]", TypeOf(batch));
        Assert.Equal("int64[2]", TypeOf(target));
        Assert.Equal("float[N,512]", TypeOf(y));
    }

    [Fact]
    public void Shape_values_flow_through_Slice_Cast_Mul_and_ConstantOfShape()
    {
        var b = new GraphBuilder(opset: 15);
        var x = b.Input("x", DataType.Float, 2, Dim.Symbolic("T"), 8, 16);
        var tail = b.Op("Shape", [x], ("start", -2L));
        var hw = b.Op("Slice", [b.Op("Shape", [x]), Ints(b, "s", 2), Ints(b, "e", 4)]);
        var prod = b.Op("Mul", [b.Op("Cast", [hw], ("to", (long)DataType.Int64)), Ints(b, "two", 2)]);
        var zeros = b.Op("ConstantOfShape", [prod]);
        var range = b.Op("Range", [Scalar(b, "r0", 0), Scalar(b, "r1", 10), Scalar(b, "r2", 3)]);
        var size = b.Op("Size", [x]);
        Infer(b.Build());
        Assert.Equal("int64[2]", TypeOf(tail));
        Assert.Equal("float[16,32]", TypeOf(zeros));
        Assert.Equal("int64[4]", TypeOf(range));
        Assert.Equal("int64[]", TypeOf(size));
    }

    [Fact]
    public void Element_types_follow_onnx_rules()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 3, 4);
        var cast = b.Op("Cast", [x], ("to", (long)DataType.Float16));
        var eq = b.Op("Equal", [x, x]);
        var shape = b.Op("Shape", [x]);
        var arg = b.Op("ArgMin", [x]);
        var q = b.Op("QuantizeLinear", [x, b.Initializer(Tensor.Scalar("sc", 0.1f)), b.Initializer(Tensor.Scalar("zp", (sbyte)0))]);
        var qDefault = b.Op("QuantizeLinear", [x, b.Initializer(Tensor.Scalar("sc2", 0.1f))]);
        var dq = b.Op("DequantizeLinear", [q, b.Initializer(Tensor.Scalar("sc3", 0.1f))]);
        var c = b.AddNode("Constant", [], attributes: [("value_ints", new long[] { 1, 2, 3 })]).Outputs[0];
        var cf = b.AddNode("Constant", [], attributes: [("value", Tensor.Create("t", new double[6], 2, 3))]).Outputs[0];
        var mmi = b.Op("MatMulInteger", [b.Input("a8", DataType.UInt8, 2, 3), b.Initializer(Tensor.Create("b8", new byte[12], 3, 4))]);
        Infer(b.Build());
        Assert.Equal("float16[3,4]", TypeOf(cast));
        Assert.Equal("bool[3,4]", TypeOf(eq));
        Assert.Equal("int64[2]", TypeOf(shape));
        Assert.Equal("int64[1,4]", TypeOf(arg));
        Assert.Equal("int8[3,4]", TypeOf(q));
        Assert.Equal("uint8[3,4]", TypeOf(qDefault));
        Assert.Equal("float[3,4]", TypeOf(dq));
        Assert.Equal("int64[3]", TypeOf(c));
        Assert.Equal("double[2,3]", TypeOf(cf));
        Assert.Equal("int32[2,4]", TypeOf(mmi));
    }

    [Fact]
    public void Known_types_are_never_made_vaguer()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, N, 8);
        var y = b.Op("Relu", [x]);
        // A declared output: batch fixed to 4, a named second dim; inference must not loosen either.
        b.Output(y, "y", new TensorType(DataType.Float, new TensorShape(4, Dim.Symbolic("features"))));
        var z = b.Op("Relu", [b.Input("u", DataType.Float, Dim.Unknown, 8)]);
        z.Type = new TensorType(DataType.Float, new TensorShape(Dim.Symbolic("B"), Dim.Unknown));
        Infer(b.Build());
        Assert.Equal("float[4,8]", TypeOf(y));
        Assert.Equal("float[B,8]", TypeOf(z));
    }

    [Fact]
    public void If_branches_are_inferred_and_merged()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, N, 8);
        var cond = b.Input("c", DataType.Bool);
        var thenB = Branch(x, "Relu");
        var elseB = Branch(x, "Sigmoid");
        var ifNode = b.AddNode("If", [cond], 1, attributes: [("then_branch", thenB), ("else_branch", elseB)]);
        var r = Infer(b.Build());
        Assert.True(r.IsComplete, string.Join("; ", r.Unresolved));
        Assert.Equal("float[N,8]", TypeOf(thenB.Outputs[0]));
        Assert.Equal("float[N,8]", TypeOf(ifNode.Outputs[0]));

        static Graph Branch(Value outer, string op)
        {
            var g = new Graph(op);
            var n = g.AddNode(new Node(op, [outer], [new Value(op + "_out")]));
            g.Outputs.Add(n.Outputs[0]);
            return g;
        }
    }

    [Fact]
    public void Unknown_operator_is_reported_with_its_domain()
    {
        var b = new GraphBuilder().Opset("custom.ops", 1);
        var y = b.AddNode("Mystery", [b.Input("x", DataType.Float, 2)], domain: "custom.ops", name: "m1").Outputs[0];
        var r = Infer(b.Build());
        var u = Assert.Single(r.Unresolved);
        Assert.Equal(y.Name, u.ValueName);
        Assert.Equal("no shape rule for operator custom.ops.Mystery", u.Reason);
        Assert.False(r.IsComplete);
    }
}
