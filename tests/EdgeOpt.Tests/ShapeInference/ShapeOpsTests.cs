using EdgeOpt.Onnx;
using static EdgeOpt.Onnx.ShapeInference;
using static EdgeOpt.Tests.ShapeInference.Build;

namespace EdgeOpt.Tests.ShapeInference;

public class ShapeOpsTests
{
    [Fact]
    public void Flatten_multiplies_dims_symbolically_and_Reshape_divides_them_back()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, N, Dim.Symbolic("C"), 7, 7);
        var flat = b.Op("Flatten", [x]);
        var flat0 = b.Op("Flatten", [x], ("axis", 0L));
        var back = b.Op("Reshape", [flat, Ints(b, "s", 0, -1, 49)]);
        var known = b.Op("Flatten", [b.Input("k", DataType.Float, N, 512, 1, 1)]);
        Infer(b.Build());
        Assert.Equal("float[N,49*C]", TypeOf(flat));
        Assert.Equal("float[1,49*C*N]", TypeOf(flat0));
        Assert.Equal("float[N,C,49]", TypeOf(back));
        Assert.Equal("float[N,512]", TypeOf(known));
    }

    [Fact]
    public void Reshape_copies_zeros_and_infers_minus_one()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 2, 3, 4);
        var a = b.Op("Reshape", [x, Ints(b, "s1", 0, -1)]);
        var c = b.Op("Reshape", [x, Ints(b, "s2", -1, 2, 2)]);
        var z = b.Op("Reshape", [b.Input("e", DataType.Float, 0, 3), Ints(b, "s3", 0, 3)], ("allowzero", 1L));
        Infer(b.Build());
        Assert.Equal("float[2,12]", TypeOf(a));
        Assert.Equal("float[6,2,2]", TypeOf(c));
        Assert.Equal("float[0,3]", TypeOf(z));
    }

    [Fact]
    public void Reshape_with_runtime_shape_keeps_rank_and_reports_why()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 2, 3, 4);
        var y = b.Op("Reshape", [x, b.Input("shape", DataType.Int64, 2)]);
        var r = Infer(b.Build());
        Assert.Equal("float[?,?]", TypeOf(y));
        Assert.Contains("'shape' is not a constant", Assert.Single(r.Unresolved).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Transpose_and_Concat()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, N, 3, 5);
        var t = b.Op("Transpose", [x], ("perm", new long[] { 0, 2, 1 }));
        var rev = b.Op("Transpose", [x]);
        var cat = b.Op("Concat", [x, b.Input("y", DataType.Float, N, 4, 5)], ("axis", 1L));
        var catN = b.Op("Concat", [x, x], ("axis", 0L));
        Infer(b.Build());
        Assert.Equal("float[N,5,3]", TypeOf(t));
        Assert.Equal("float[5,3,N]", TypeOf(rev));
        Assert.Equal("float[N,7,5]", TypeOf(cat));
        Assert.Equal("float[?,3,5]", TypeOf(catN));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void Squeeze_and_Unsqueeze_take_axes_from_attribute_or_input_by_opset(long opset)
    {
        var b = new GraphBuilder(opset: opset);
        var x = b.Input("x", DataType.Float, N, 1, 5, 1);
        Value s, u;
        if (opset < 13)
        {
            s = b.Op("Squeeze", [x], ("axes", new long[] { 1, -1 }));
            u = b.Op("Unsqueeze", [x], ("axes", new long[] { 0, -1 }));
        }
        else
        {
            s = b.Op("Squeeze", [x, Ints(b, "sa", 1, -1)]);
            u = b.Op("Unsqueeze", [x, Ints(b, "ua", 0, -1)]);
        }
        var all = b.Op("Squeeze", [b.Input("k", DataType.Float, 1, 3, 1)]);
        Infer(b.Build());
        Assert.Equal("float[N,5]", TypeOf(s));
        Assert.Equal("float[1,N,1,5,1,1]", TypeOf(u));
        Assert.Equal("float[3]", TypeOf(all));
    }

    [Theory]
    [InlineData(9)]
    [InlineData(13)]
    public void Slice_by_attributes_before_opset_10_and_inputs_after(long opset)
    {
        var b = new GraphBuilder(opset: opset);
        var x = b.Input("x", DataType.Float, N, 20, 10);
        var y = opset < 10
            ? b.Op("Slice", [x], ("starts", new long[] { 2, -3 }), ("ends", new long[] { long.MaxValue, 100 }), ("axes", new long[] { 1, 2 }))
            : b.Op("Slice", [x, Ints(b, "st", 2, -3), Ints(b, "en", long.MaxValue, 100), Ints(b, "ax", 1, 2)]);
        Infer(b.Build());
        Assert.Equal("float[N,18,3]", TypeOf(y));
    }

    [Fact]
    public void Slice_with_negative_steps()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 10, 7);
        var y = b.Op("Slice", [x, Ints(b, "st", -1, 0), Ints(b, "en", long.MinValue, 7), Ints(b, "ax", 0, 1), Ints(b, "sp", -1, 3)]);
        Infer(b.Build());
        Assert.Equal("float[10,3]", TypeOf(y));
    }

    [Fact]
    public void Gather_Expand_Tile_Pad_Split()
    {
        var b = new GraphBuilder(opset: 18);
        var x = b.Input("x", DataType.Float, N, 6, 4);
        var g = b.Op("Gather", [x, b.Input("idx", DataType.Int64, 2, 3)], ("axis", 1L));
        var gs = b.Op("Gather", [x, Scalar(b, "i0", 0)], ("axis", 2L));
        var e = b.Op("Expand", [b.Input("v", DataType.Float, 3, 1), Ints(b, "es", 2, 1, 5)]);
        var t = b.Op("Tile", [x, Ints(b, "rep", 1, 2, 3)]);
        var p = b.Op("Pad", [x, Ints(b, "pads", 0, 1, 2, 0, 3, 4)]);
        var split = b.AddNode("Split", [x, Ints(b, "sizes", 2, 4)], 2, attributes: [("axis", 1L)]);
        var even = b.AddNode("Split", [x], 3, attributes: [("axis", 1L), ("num_outputs", 3L)]);
        Infer(b.Build());
        Assert.Equal("float[N,2,3,4]", TypeOf(g));
        Assert.Equal("float[N,6]", TypeOf(gs));
        Assert.Equal("float[2,3,5]", TypeOf(e));
        Assert.Equal("float[N,12,12]", TypeOf(t));
        Assert.Equal("float[N,10,10]", TypeOf(p));
        Assert.Equal(["float[N,2,4]", "float[N,4,4]"], split.Outputs.Select(TypeOf));
        Assert.All(even.Outputs, o => Assert.Equal("float[N,2,4]", TypeOf(o)));
    }

    [Fact]
    public void Pad_before_opset_11_uses_the_attribute()
    {
        var b = new GraphBuilder(opset: 10);
        var p = b.Op("Pad", [b.Input("x", DataType.Float, 1, 3, 8, 8)], ("pads", new long[] { 0, 0, 1, 2, 0, 0, 1, 2 }));
        Infer(b.Build());
        Assert.Equal("float[1,3,10,12]", TypeOf(p));
    }

    [Fact]
    public void Reductions_ArgMax_TopK_follow_keepdims_and_axes_forms()
    {
        var b = new GraphBuilder(opset: 18);
        var x = b.Input("x", DataType.Float, N, 8, 6);
        var mean = b.Op("ReduceMean", [x, Ints(b, "ax", 1)]);
        var all = b.Op("ReduceMax", [x], ("keepdims", 0L));
        var sum = b.Op("ReduceSum", [x, Ints(b, "ax2", -1)], ("keepdims", 0L));
        var arg = b.Op("ArgMax", [x], ("axis", 1L), ("keepdims", 0L));
        var top = b.AddNode("TopK", [x, Ints(b, "k", 3)], 2);
        Infer(b.Build());
        Assert.Equal("float[N,1,6]", TypeOf(mean));
        Assert.Equal("float[]", TypeOf(all));
        Assert.Equal("float[N,8]", TypeOf(sum));
        Assert.Equal("int64[N,6]", TypeOf(arg));
        Assert.Equal("float[N,8,3]", TypeOf(top.Outputs[0]));
        Assert.Equal("int64[N,8,3]", TypeOf(top.Outputs[1]));
    }

    [Fact]
    public void Reduce_axes_attribute_before_opset_18()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, N, 8, 6);
        var mean = b.Op("ReduceMean", [x], ("axes", new long[] { 1, 2 }));
        Infer(b.Build());
        Assert.Equal("float[N,1,1]", TypeOf(mean));
    }

    [Fact]
    public void Resize_from_scales_or_sizes_and_Upsample_attribute()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, N, 3, 10, 15);
        var scales = b.Initializer(Tensor.Create("scales", new float[] { 1, 1, 2, 1.5f }, 4));
        var byScale = b.Op("Resize", [x, null, scales]);
        var bySize = b.Op("Resize", [x, null, null, Ints(b, "sizes", 1, 3, 7, 9)]);
        Infer(b.Build());
        Assert.Equal("float[N,3,20,22]", TypeOf(byScale));
        Assert.Equal("float[1,3,7,9]", TypeOf(bySize));

        var u = new GraphBuilder(opset: 7);
        var up = u.Op("Upsample", [u.Input("x", DataType.Float, 1, 3, 10, 15)], ("scales", new float[] { 1, 1, 2, 2 }));
        Infer(u.Build());
        Assert.Equal("float[1,3,20,30]", TypeOf(up));
    }

    [Fact]
    public void Einsum_explicit_and_implicit()
    {
        var b = new GraphBuilder();
        var a = b.Input("a", DataType.Float, N, 4, 5);
        var c = b.Input("c", DataType.Float, N, 5, 6);
        var bmm = b.Op("Einsum", [a, c], ("equation", "bij,bjk->bik"));
        var implicitT = b.Op("Einsum", [b.Input("m", DataType.Float, 3, 2)], ("equation", "ij"));
        Infer(b.Build());
        Assert.Equal("float[N,4,6]", TypeOf(bmm));
        Assert.Equal("float[3,2]", TypeOf(implicitT));
    }

    [Fact]
    public void Old_opsets_read_attributes_where_new_ones_read_inputs()
    {
        var b = new GraphBuilder(opset: 4);
        var x = b.Input("x", DataType.Float, 2, 6);
        var reshape = b.Op("Reshape", [x], ("shape", new long[] { 3, -1 }));
        var split = b.AddNode("Split", [x], 2, attributes: [("axis", 1L), ("split", new long[] { 1, 5 })]);
        Infer(b.Build());
        Assert.Equal("float[3,4]", TypeOf(reshape));
        Assert.Equal(["float[2,1]", "float[2,5]"], split.Outputs.Select(TypeOf));

        var u = new GraphBuilder(opset: 9);
        var up = u.Op("Upsample", [u.Input("x", DataType.Float, 1, 2, 4, 4), u.Initializer(Tensor.Create("sc", new float[] { 1, 1, 3, 2 }, 4))]);
        var sum = u.Op("ReduceSum", [u.Input("y", DataType.Float, 5, 6)], ("axes", new long[] { 0 }), ("keepdims", 0L));
        Infer(u.Build());
        Assert.Equal("float[1,2,12,8]", TypeOf(up));
        Assert.Equal("float[6]", TypeOf(sum));
    }
}
