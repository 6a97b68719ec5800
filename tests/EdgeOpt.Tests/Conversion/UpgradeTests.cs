using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Conversion;

/// <summary>Each upgrade adapter on a small model at the old opset, checked in ONNX Runtime against the original.</summary>
public sealed class UpgradeTests
{
    private static GraphBuilder Builder(long opset, out Value x, params Dim[] shape)
    {
        var b = new GraphBuilder("g", opset, irVersion: 7);
        x = b.Input("x", DataType.Float, shape);
        return b;
    }

    [Theory]
    [InlineData(10)]
    [InlineData(21)]
    public void Slice_attributes_become_constant_inputs(int target)
    {
        var b = Builder(9, out var x, 4, 6);
        b.Output(b.Op("Slice", [x], ("starts", new long[] { 1, 0 }), ("ends", new long[] { 3, -1 }), ("axes", new long[] { 0, 1 })), "y");
        var (converted, report) = ConversionAssert.ConvertsEquivalently(b.Build(), target);
        var slice = ConversionAssert.Single(converted, "Slice");
        Assert.Empty(slice.Attributes);
        Assert.Equal([1L, 0L], slice.Inputs[1]!.Initializer!.ToInt64Array());
        Assert.Equal(1, report.NodesChangedByOp["Slice"]);
    }

    [Fact]
    public void Clip_min_max_become_inputs_of_the_data_type()
    {
        var b = Builder(10, out var x, 2, 5);
        b.Output(b.Op("Clip", [x], ("min", -0.5f), ("max", 0.25f)), "y");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 21);
        var clip = ConversionAssert.Single(converted, "Clip");
        Assert.Equal(DataType.Float, clip.Inputs[2]!.Initializer!.DataType);
        Assert.Equal(0.25f, clip.Inputs[2]!.Initializer!.ToSingleArray()[0]);
    }

    [Fact]
    public void Clip_with_only_max_leaves_min_omitted()
    {
        var b = Builder(9, out var x, 2, 5);
        b.Output(b.Op("Clip", [x], ("max", 0.1f)), "y");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 13);
        var clip = ConversionAssert.Single(converted, "Clip");
        Assert.Null(clip.Inputs[1]);
        Assert.NotNull(clip.Inputs[2]);
    }

    [Fact]
    public void Pad_pads_and_value_become_inputs()
    {
        var b = Builder(10, out var x, 2, 3);
        b.Output(b.Op("Pad", [x], ("pads", new long[] { 0, 1, 1, 2 }), ("value", 1.5f), ("mode", "constant")), "y");
        ConversionAssert.ConvertsEquivalently(b.Build(), 21);
    }

    [Fact]
    public void Squeeze_unsqueeze_split_and_ReduceSum_axes_become_inputs_at_13()
    {
        var b = Builder(12, out var x, 1, 6, 2);
        var s = b.Op("Squeeze", [x], ("axes", new long[] { 0 }));
        var parts = b.AddNode("Split", [s], 2, attributes: [("axis", 0L), ("split", new long[] { 2, 4 })]);
        var r = b.Op("ReduceSum", [parts.Outputs[1]], ("axes", new long[] { 0 }), ("keepdims", 1L));
        b.Output(b.Op("Unsqueeze", [r], ("axes", new long[] { 0 })), "y");
        b.Output(parts.Outputs[0], "first");
        var (converted, report) = ConversionAssert.ConvertsEquivalently(b.Build(), 13);
        Assert.All(converted.Graph.Nodes, n => Assert.False(n.Attributes.Contains("axes") || n.Attributes.Contains("split"), n.ToString()));
        Assert.Equal(4, report.NodesChanged);
    }

    [Fact]
    public void Split_without_sizes_gets_num_outputs_at_18()
    {
        var b = Builder(12, out var x, 6, 2);
        var parts = b.AddNode("Split", [x], 3, attributes: [("axis", 0L)]);
        for (var i = 0; i < 3; i++) b.Output(parts.Outputs[i], $"p{i}");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 18);
        Assert.Equal(3, ConversionAssert.Single(converted, "Split").Attributes.GetInt("num_outputs", 0));
    }

    [Theory]
    [InlineData("ReduceMean")]
    [InlineData("ReduceMax")]
    [InlineData("ReduceL2")]
    public void Other_reductions_take_axes_as_input_from_18(string op)
    {
        var b = Builder(17, out var x, 3, 4, 5);
        b.Output(b.Op(op, [x], ("axes", new long[] { 1, -1 }), ("keepdims", 0L)), "y");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 21, 1e-6);
        Assert.Equal([1L, -1L], ConversionAssert.Single(converted, op).Inputs[1]!.Initializer!.ToInt64Array());
    }

    [Fact]
    public void TopK_k_becomes_a_one_element_input()
    {
        var b = Builder(9, out var x, 3, 8);
        var topk = b.AddNode("TopK", [x], 2, attributes: [("k", 3L), ("axis", 1L)]);
        b.Output(topk.Outputs[0], "values");
        b.Output(topk.Outputs[1], "indices");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 21);
        Assert.Equal([1L], ConversionAssert.Single(converted, "TopK").Inputs[1]!.Initializer!.Dims);
    }

    [Fact]
    public void Dropout_ratio_becomes_an_input_at_12()
    {
        var b = Builder(11, out var x, 2, 3);
        b.Output(b.Op("Dropout", [x], ("ratio", 0.3f)), "y");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 21);
        Assert.Equal(0.3f, ConversionAssert.Single(converted, "Dropout").Inputs[1]!.Initializer!.ToSingleArray()[0]);
    }

    [Theory]
    [InlineData("nearest")]
    [InlineData("linear")]
    public void Upsample_becomes_Resize_with_the_old_coordinate_rules(string mode)
    {
        var b = Builder(9, out var x, 1, 2, 3, 4);
        var scales = b.Initializer("scales", new[] { 1f, 1f, 2f, 1.5f }, 4);
        b.Output(b.Op("Upsample", [x, scales], ("mode", mode)), "y");
        var (converted, report) = ConversionAssert.ConvertsEquivalently(b.Build(), 21, 1e-6);
        var resize = ConversionAssert.Single(converted, "Resize");
        Assert.Equal("asymmetric", resize.Attributes.GetString("coordinate_transformation_mode"));
        Assert.Equal(mode == "nearest" ? "floor" : null, resize.Attributes.GetString("nearest_mode"));
        Assert.Equal(1, report.NodesChangedByOp["Upsample"]);
    }

    [Fact]
    public void Upsample_scales_attribute_becomes_an_input_then_Resize()
    {
        var b = Builder(8, out var x, 1, 1, 2, 2);
        b.Output(b.Op("Upsample", [x], ("scales", new[] { 1f, 1f, 3f, 2f })), "y");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 13);
        Assert.Equal(3, ConversionAssert.Single(converted, "Resize").Inputs.Count);
    }

    [Fact]
    public void Scatter_becomes_ScatterElements()
    {
        var b = Builder(10, out var x, 3, 3);
        var indices = b.Initializer("indices", new long[] { 1, 0, 2, 0, 2, 1 }, 2, 3);
        var updates = b.Initializer("updates", new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        b.Output(b.Op("Scatter", [x, indices, updates], ("axis", 0L)), "y");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 21);
        ConversionAssert.Single(converted, "ScatterElements");
    }

    [Theory]
    [InlineData("Softmax")]
    [InlineData("LogSoftmax")]
    [InlineData("Hardmax")]
    public void Softmax_family_keeps_the_flattening_meaning_for_an_inner_axis(string op)
    {
        var b = Builder(12, out var x, 2, 3, 4);
        b.Output(b.Op(op, [x], ("axis", 1L)), "y");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 13, 1e-6);
        Assert.Equal(["Shape", "Flatten", op, "Reshape"], converted.Graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void Softmax_on_the_last_axis_only_states_the_axis()
    {
        var b = Builder(12, out var x, 2, 3, 4);
        b.Output(b.Op("Softmax", [x], ("axis", 2L)), "y");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 21, 1e-6);
        Assert.Equal(-1, ConversionAssert.Single(converted, "Softmax").Attributes.GetInt("axis", 0));
    }

    [Fact]
    public void BatchNormalization_loses_spatial_and_is_test()
    {
        var b = Builder(8, out var x, 1, 3, 4, 4);
        Value P(string n, float[] v) => b.Initializer(n, v, 3);
        var bn = b.Op("BatchNormalization", [x, P("s", [1f, 2f, 0.5f]), P("b", [0f, 1f, -1f]), P("m", [0.1f, 0.2f, 0.3f]), P("v", [1f, 0.5f, 2f])],
            ("spatial", 1L), ("epsilon", 1e-5f));
        b.Output(bn, "y");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 21, 1e-6);
        Assert.False(ConversionAssert.Single(converted, "BatchNormalization").Attributes.Contains("spatial"));
        Assert.True(converted.IrVersion >= 10, $"opset 21 needs IR 10, got {converted.IrVersion}");
    }

    // ORT rounds Resize-10 nearest *down*-sampling up (its "simple" mode), unlike the spec's floor; upscales agree.
    [Theory]
    [InlineData("nearest", 2.5f)]
    [InlineData("linear", 0.6f)]
    public void Resize_10_keeps_asymmetric_floor_semantics_at_11_and_later(string mode, float widthScale)
    {
        var b = Builder(10, out var x, 1, 1, 3, 5);
        var scales = b.Initializer("scales", new[] { 1f, 1f, 1.7f, widthScale }, 4);
        b.Output(b.Op("Resize", [x, scales], ("mode", mode)), "y");
        ConversionAssert.ConvertsEquivalently(b.Build(), 11, 1e-6);
        ConversionAssert.ConvertsEquivalently(b.Build(), 21, 1e-6);
    }

    [Fact]
    public void Nodes_inside_subgraphs_are_converted()
    {
        var b = Builder(12, out var x, 2, 3);
        var cond = b.Input("cond", DataType.Bool);
        var then = new Graph("then");
        var t = new Value("t");
        then.AddNode(new Node("Unsqueeze", [x], [t], name: "inner"));
        then.Nodes[0].Attributes.Set("axes", new long[] { 0 });
        then.Outputs.Add(t);
        var otherwise = new Graph("else");
        var e = new Value("e");
        otherwise.AddNode(new Node("Unsqueeze", [x], [e], name: "inner2"));
        otherwise.Nodes[0].Attributes.Set("axes", new long[] { 2 });
        otherwise.Outputs.Add(e);
        var ifNode = b.AddNode("If", [cond], 1, attributes: [("then_branch", then), ("else_branch", otherwise)]);
        b.Output(ifNode.Outputs[0], "y");
        var (converted, report) = ConversionAssert.ConvertsEquivalently(b.Build(), 13);
        Assert.Equal(2, report.NodesChangedByOp["Unsqueeze"]);
        Assert.All(converted.Graph.Nodes[0].Subgraphs.SelectMany(g => g.Nodes), n => Assert.Equal(2, n.Inputs.Count));
    }
}
