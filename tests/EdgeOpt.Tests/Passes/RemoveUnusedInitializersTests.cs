using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.EliminationHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class RemoveUnusedInitializersTests
{
    [Fact]
    public void An_unread_initializer_is_removed_and_a_read_one_kept()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 3);
        var w = b.Initializer("w", new[] { 1f, 2f, 3f }, 3);
        b.Initializer("unused", new float[1000], 1000);
        b.Output(b.Op("Mul", [x, w]), "y", Float(3));
        using var original = b.Build();

        var (model, changed) = Apply(new RemoveUnusedInitializers(), original);

        Assert.True(changed);
        Assert.Equal(["w"], model.Graph.Initializers.Select(v => v.Name));
        AssertExactlyEquivalent(original, model);
    }

    [Fact]
    public void An_unread_initializer_listed_as_input_goes_but_a_plain_unused_input_stays()
    {
        var b = new GraphBuilder(opset: 8, irVersion: 3);
        var x = b.Input("x", DataType.Float, 3);
        b.Input("spare", DataType.Float, 3);
        var stale = b.Input("stale", DataType.Float, 2);
        b.Graph.Initializers.Attach(stale, Tensor.Create("stale", new[] { 1f, 2f }, 2));
        b.Output(b.Op("Relu", [x]), "y", Float(3));
        using var model = b.Build();

        Assert.True(new RemoveUnusedInitializers().Run(model, new PassContext()).Changed);

        Assert.Equal(["x", "spare"], model.Graph.Inputs.Select(v => v.Name));
        Assert.Empty(model.Graph.Initializers);
    }

    [Fact]
    public void Nothing_unused_means_no_change()
    {
        var b = new GraphBuilder(opset: 17);
        b.Output(b.Op("Add", [b.Input("x", DataType.Float, 1), b.Initializer("one", new[] { 1f }, 1)]), "y", Float(1));
        using var model = b.Build();

        Assert.False(new RemoveUnusedInitializers().Run(model, new PassContext()).Changed);
        Assert.Single(model.Graph.Initializers);
    }
}
