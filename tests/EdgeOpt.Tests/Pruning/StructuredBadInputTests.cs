using EdgeOpt.Onnx;
using EdgeOpt.Pruning;

namespace EdgeOpt.Tests.Pruning;

/// <summary>Structured pruning refuses bad requests with one clear error and leaves the input model untouched.</summary>
public sealed class StructuredBadInputTests
{
    private static Model SmallCnn()
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var a = g.Relu(g.Conv(x, 8, 16, "a"));
        var b = g.Relu(g.Conv(a, 16, 16, "b"));
        return g.Build(g.Conv(b, 16, 4, "head", kernel: 1, dead: false));
    }

    private static TException Refuses<TException>(Model model, PruningOptions options) where TException : Exception
    {
        var before = model.ToBytes();
        var e = Assert.Throws<TException>(() => new Pruner(options).Prune(model).Dispose());
        Assert.Equal(before, model.ToBytes());
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(-0.2)]
    public void A_ratio_outside_zero_to_one_is_refused(double ratio)
    {
        using var model = SmallCnn();
        var e = Refuses<InvalidOptionsException>(model, new PruningOptions { Ratio = ratio });
        Assert.Contains("Ratio", e.Message);
    }

    [Fact]
    public void An_unreachable_mac_target_names_the_closest_and_what_blocked_it()
    {
        using var model = SmallCnn();
        var e = Refuses<ConstraintException>(model, new PruningOptions { TargetMacs = 0.01, ExcludedNodes = ["a"] });
        Assert.Contains("closest reachable", e.Message);
        Assert.Contains("excluded", e.Message);
        Assert.Contains("graph output", e.Message);
    }

    [Fact]
    public void An_excluded_node_that_does_not_exist_is_a_usage_error()
    {
        using var model = SmallCnn();
        var e = Refuses<UsageException>(model, new PruningOptions { Ratio = 0.2, ExcludedNodes = ["no_such_conv"] });
        Assert.Contains("no_such_conv", e.Message);
    }

    [Fact]
    public void A_model_without_weights_has_no_prunable_group()
    {
        var builder = new GraphBuilder("plain", opset: 13);
        var x = builder.Input("x", DataType.Float, 1, 8, 4, 4);
        builder.Output(builder.Op("Relu", [builder.Op("MaxPool", [x], ("kernel_shape", new long[] { 2, 2 }))]), "y");
        using var model = builder.Build();
        var e = Refuses<UsageException>(model, new PruningOptions { Ratio = 0.2 });
        Assert.Contains("no prunable group", e.Message);
        Assert.Contains("Conv", e.Message);
    }

    [Fact]
    public void A_model_whose_groups_all_reach_the_output_has_no_prunable_group()
    {
        var g = new StructuredGraphs();
        using var model = g.Build(g.Conv(g.Input(), 8, 16, "only"));
        var e = Refuses<UsageException>(model, new PruningOptions { Ratio = 0.2 });
        Assert.Contains("no prunable group", e.Message);
        Assert.Contains("graph output", e.Message);
    }
}
