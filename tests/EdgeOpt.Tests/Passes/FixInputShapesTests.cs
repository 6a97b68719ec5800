using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Passes;

public class FixInputShapesTests
{
    [Fact]
    public void Fixed_dims_reach_the_inputs_and_every_value_downstream()
    {
        using var model = ConvNet();

        var result = Fix(("x", [2, 3, 8, 8])).Run(model, new PassContext());

        Assert.True(result.Changed);
        Assert.Equal(1, result.Rewrites); // one input fixed
        Assert.Equal("float[2,3,8,8]", model.Graph.Inputs[0].Type!.ToString());
        Assert.Equal("float[2,4,8,8]", model.Graph.Nodes[0].Outputs[0].Type!.ToString());
        Assert.Equal("float[2,4,8,8]", model.Graph.Outputs[0].Type!.ToString());
        // Already in place: nothing more to do (the pass manager's fixpoint relies on this).
        Assert.False(Fix(("x", [2, 3, 8, 8])).Run(model, new PassContext()).Changed);
    }

    [Fact]
    public void The_fixed_model_computes_the_same_outputs()
    {
        using var original = ConvNet();
        using var model = original.Clone();

        Fix(("x", [2, 3, 8, 8])).Run(model, new PassContext());

        var report = ModelEquivalence.Compare(original, model, samples: 2, dims: new Dictionary<string, long> { ["N"] = 2, ["H"] = 8, ["W"] = 8 });
        Assert.Equal(0, report.MaxAbsError);
    }

    [Fact]
    public void No_fixed_shapes_is_a_no_op()
    {
        using var model = ConvNet();

        Assert.False(new FixInputShapes(new Dictionary<string, long[]>()).Run(model, new PassContext()).Changed);
        Assert.Equal("float[N,3,H,W]", model.Graph.Inputs[0].Type!.ToString());
    }

    [Fact]
    public void A_dim_that_contradicts_the_model_is_refused_and_the_model_is_unchanged()
    {
        using var model = ConvNet();

        var e = Assert.Throws<UsageException>(() => Fix(("x", [1, 4, 8, 8])).Run(model, new PassContext()));

        Assert.Contains("contradicts the model", e.Message, StringComparison.Ordinal);
        Assert.Contains("dim 1 of input 'x' is 3, not 4", e.Message, StringComparison.Ordinal);
        Assert.Equal("float[N,3,H,W]", model.Graph.Inputs[0].Type!.ToString());
    }

    [Fact]
    public void A_wrong_rank_is_refused()
    {
        using var model = ConvNet();

        var e = Assert.Throws<UsageException>(() => Fix(("x", [1, 3, 8])).Run(model, new PassContext()));

        Assert.Contains("has 3 dims, but input 'x' has rank 4", e.Message, StringComparison.Ordinal);
        Assert.Equal("float[N,3,H,W]", model.Graph.Inputs[0].Type!.ToString());
    }

    [Fact]
    public void An_unknown_input_is_refused_with_the_list_of_inputs()
    {
        using var model = ConvNet();
        var before = model.ToBytes();

        // The valid entry is not applied either: all entries are checked before any change.
        var e = Assert.Throws<UsageException>(() => Fix(("x", [1, 3, 8, 8]), ("images", [1, 3, 8, 8])).Run(model, new PassContext()));

        Assert.Equal("--fixed-shape names input 'images', but the model's inputs are: 'x'", e.Message);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void Non_positive_dims_are_refused()
    {
        using var model = ConvNet();

        var e = Assert.ThrowsAny<UsageException>(() => Fix(("x", [0, 3, 8, 8])).Run(model, new PassContext())); // InvalidOptionsException: OptimizationOptions' dim rule

        Assert.Contains("dim 0 is 0", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Conv (3 → 4 channels, same padding) and Relu on an input of shape [N,3,H,W].</summary>
    private static Model ConvNet()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 3, Dim.Symbolic("H"), Dim.Symbolic("W"));
        var weights = Enumerable.Range(0, 4 * 3 * 3 * 3).Select(i => (i % 7 - 3) / 10f).ToArray();
        var conv = b.Op("Conv", [x, b.Initializer("w", weights, 4, 3, 3, 3)], ("pads", new long[] { 1, 1, 1, 1 }));
        b.Output(b.Op("Relu", [conv]), "y", new TensorType(DataType.Float, new TensorShape(Dim.Symbolic("N"), 4, Dim.Symbolic("H"), Dim.Symbolic("W"))));
        var model = b.Build();
        EdgeOpt.Onnx.ShapeInference.Infer(model);
        return model;
    }

    private static FixInputShapes Fix(params (string Name, long[] Dims)[] shapes) =>
        new(shapes.ToDictionary(s => s.Name, s => s.Dims));
}
