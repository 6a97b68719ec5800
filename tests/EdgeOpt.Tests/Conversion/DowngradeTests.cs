using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Conversion;

/// <summary>Downgrades that the older form can express (checked in ONNX Runtime), and the clear refusals of those it cannot.</summary>
public sealed class DowngradeTests
{
    private static GraphBuilder Builder(long opset, out Value x, params Dim[] shape)
    {
        var b = new GraphBuilder("g", opset);
        x = b.Input("x", DataType.Float, shape);
        return b;
    }

    [Fact]
    public void Constant_inputs_fold_back_into_attributes_and_the_constants_go()
    {
        var b = Builder(13, out var x, 1, 4, 6);
        var s = b.Op("Slice", [x, b.Initializer("starts", new long[] { 1 }, 1), b.Initializer("ends", new long[] { 5 }, 1), b.Initializer("axes", new long[] { 2 }, 1)]);
        var q = b.Op("Squeeze", [s, b.Initializer("sq", new long[] { 0 }, 1)]);
        var r = b.Op("ReduceSum", [q, b.Initializer("rs", new long[] { 1 }, 1)], ("keepdims", 0L));
        var c = b.Op("Clip", [r, b.Initializer("lo", new[] { -0.5f }), b.Initializer("hi", new[] { 0.5f })]);
        b.Output(b.Op("Unsqueeze", [c, b.Initializer("us", new long[] { 1 }, 1)]), "y");
        var (converted, report) = ConversionAssert.ConvertsEquivalently(b.Build(), 9);
        Assert.Empty(converted.Graph.Initializers);
        Assert.All(converted.Graph.Nodes, n => Assert.Single(n.Inputs));
        Assert.Equal([1L], ConversionAssert.Single(converted, "Slice").Attributes.GetInts("starts")!);
        Assert.Equal(5, report.NodesChanged);
    }

    [Fact]
    public void Upgrade_then_downgrade_gives_back_an_equivalent_model()
    {
        var b = Builder(9, out var x, 2, 3, 4);
        var p = b.Op("Pad", [x], ("pads", new long[] { 0, 0, 1, 0, 0, 2 }), ("value", -1f));
        var topk = b.AddNode("TopK", [p], 2, attributes: [("k", 2L), ("axis", 2L)]);
        b.Output(b.Op("Softmax", [topk.Outputs[0]], ("axis", 2L)), "y");
        var original = b.Build();
        var up = original.Clone();
        OpsetConverter.Convert(up, 21);
        var (down, _) = ConversionAssert.ConvertsEquivalently(up, 9, 1e-6);
        Assert.Equal(3, down.Graph.Nodes.Count);
        Assert.True(EdgeOpt.Runtime.ModelEquivalence.Compare(original, down, samples: 2).IsWithin(1e-6));
    }

    [Fact]
    public void Resize_with_asymmetric_floor_becomes_Upsample_style_Resize_10_and_then_Upsample()
    {
        var b = Builder(13, out var x, 1, 1, 2, 3);
        var scales = b.Initializer("scales", new[] { 1f, 1f, 2f, 2f }, 4);
        b.Output(b.Op("Resize", [x, null, scales], ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor")), "y");
        var (at10, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 10);
        Assert.Equal(2, ConversionAssert.Single(at10, "Resize").Inputs.Count);
        var (at9, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 9);
        ConversionAssert.Single(at9, "Upsample");
    }

    [Fact]
    public void ScatterElements_Gemm_without_C_Constant_scalars_and_Split_go_back()
    {
        var b = Builder(18, out var x, 4, 4);
        var w = b.Initializer("w", Enumerable.Range(0, 12).Select(i => i * 0.1f).ToArray(), 4, 3);
        var g = b.Op("Gemm", [x, w]);
        var k = b.Op("Constant", [], ("value_floats", new[] { 2f, 3f, 4f }));
        var m = b.Op("Mul", [g, k]);
        var idx = b.Initializer("idx", new long[] { 0, 2, 1 }, 1, 3);
        var upd = b.Initializer("upd", new[] { 9f, 8f, 7f }, 1, 3);
        var sc = b.Op("ScatterElements", [m, idx, upd], ("axis", 0L));
        var parts = b.AddNode("Split", [sc], 2, attributes: [("axis", 0L), ("num_outputs", 2L)]);
        b.Output(parts.Outputs[0], "a");
        b.Output(parts.Outputs[1], "b");
        var (converted, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 10, 1e-6);
        Assert.Equal(3, ConversionAssert.Single(converted, "Gemm").Inputs.Count);
        ConversionAssert.Single(converted, "Scatter");
        Assert.True(ConversionAssert.Single(converted, "Constant").Attributes.Contains("value"));
        Assert.False(ConversionAssert.Single(converted, "Split").Attributes.Contains("num_outputs"));
    }

    [Fact]
    public void Softmax_on_the_last_axis_goes_below_13_even_before_negative_axes()
    {
        var b = Builder(13, out var x, 2, 3, 5);
        b.Output(b.Op("LogSoftmax", [x]), "y");
        var (at11, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 11, 1e-6);
        Assert.Equal(-1, ConversionAssert.Single(at11, "LogSoftmax").Attributes.GetInt("axis", 0));
        var (at10, _) = ConversionAssert.ConvertsEquivalently(b.Build(), 10, 1e-6);
        Assert.Equal(2, ConversionAssert.Single(at10, "LogSoftmax").Attributes.GetInt("axis", 0));
    }

    [Fact]
    public void Softmax_on_an_inner_axis_is_refused_with_the_reason()
    {
        var b = Builder(13, out var x, 2, 3, 5);
        b.AddNode("Softmax", [x], 1, name: "probs", attributes: [("axis", 1L)]);
        b.Output(b.Graph.Nodes[0].Outputs[0], "y");
        var e = ConversionAssert.Refuses(b.Build(), 12);
        Assert.Equal("cannot convert node 'probs' (Softmax) from opset 13 to 12: axis 1 is not the last dimension, and before opset 13 Softmax normalises everything after the axis together", e.Message);
    }

    [Fact]
    public void Inputs_computed_at_run_time_cannot_become_attributes()
    {
        var b = Builder(13, out var x, 4, 6);
        var starts = b.Input("starts", DataType.Int64, 1);
        b.AddNode("Slice", [x, starts, b.Initializer("ends", new long[] { 3 }, 1)], 1, name: "crop");
        b.Output(b.Graph.Nodes[0].Outputs[0], "y");
        var e = ConversionAssert.Refuses(b.Build(), 9);
        Assert.Equal("cannot convert node 'crop' (Slice) from opset 13 to 9: input 'starts' is computed at run time, but before opset 10 it must be the constant attribute 'starts'", e.Message);
    }

    [Fact]
    public void Operators_newer_than_the_target_are_refused_by_name()
    {
        var b = Builder(17, out var x, 2, 4);
        var ln = b.AddNode("LayerNormalization", [x, b.Initializer("gamma", new[] { 1f, 1f, 1f, 1f }, 4)], 1, name: "ln");
        b.Output(ln.Outputs[0], "y");
        var e = ConversionAssert.Refuses(b.Build(), 16);
        Assert.Equal("cannot convert node 'ln' (LayerNormalization) from opset 17 to 16: LayerNormalization first appears in opset 17 and has no equivalent in opset 16", e.Message);
    }

    [Theory]
    [InlineData("Resize", "coordinate_transformation_mode", "half_pixel", 10, "coordinate_transformation_mode 'half_pixel' has no equivalent before opset 11 (only 'asymmetric')")]
    [InlineData("Reshape", "allowzero", 1L, 13, "attribute allowzero=1 has no equivalent before opset 14")]
    [InlineData("ArgMax", "select_last_index", 1L, 11, "attribute select_last_index=1 has no equivalent before opset 12")]
    public void New_features_in_use_are_refused(string op, string attribute, object value, int target, string reason)
    {
        var b = Builder(17, out var x, 1, 1, 2, 2);
        Value?[] inputs = op switch
        {
            "Resize" => [x, null, b.Initializer("scales", new[] { 1f, 1f, 2f, 2f }, 4)],
            "Reshape" => [x, b.Initializer("shape", new long[] { 1, 4 }, 2)],
            _ => [x],
        };
        b.AddNode(op, inputs, 1, name: "n", attributes: [(attribute, value)]);
        b.Output(b.Graph.Nodes[0].Outputs[0], "y");
        var e = ConversionAssert.Refuses(b.Build(), target);
        Assert.Equal($"cannot convert node 'n' ({op}) from opset 17 to {target}: {reason}", e.Message);
    }

    [Fact]
    public void Unknown_operators_are_refused_by_name()
    {
        var b = Builder(7, out var x, 1, 3, 4, 4);
        b.AddNode("Crop", [x], 1, name: "crop", attributes: [("border", new long[] { 1, 1, 1, 1 })]);
        b.Output(b.Graph.Nodes[0].Outputs[0], "y");
        var e = ConversionAssert.Refuses(b.Build(), 13);
        Assert.StartsWith("cannot convert node 'crop' (Crop) from opset 7 to 13: 'Crop' is not an ai.onnx operator", e.Message);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(22)]
    public void Targets_out_of_range_are_usage_errors(int target)
    {
        var b = Builder(13, out var x, 2);
        b.Output(b.Op("Relu", [x]), "y");
        var e = Assert.Throws<UsageException>(() => OpsetConverter.Convert(b.Build(), target));
        Assert.Equal($"target opset {target} is out of range: EdgeOpt converts to opsets 7 to 21", e.Message);
    }

    [Fact]
    public void Same_opset_changes_nothing()
    {
        var b = Builder(13, out var x, 2);
        b.Output(b.Op("Relu", [x]), "y");
        var model = b.Build();
        var before = model.ToBytes();
        var report = OpsetConverter.Convert(model, 13);
        Assert.Equal(0, report.NodesChanged);
        Assert.Equal(before, model.ToBytes());
    }
}
