using EdgeOpt.Onnx;
using EdgeOpt.Pruning;

namespace EdgeOpt.Tests.Pruning;

/// <summary>Dependency-group rules on small GraphBuilder CNNs, through <see cref="Pruner"/>: shapes, ONNX checker, ORT, closeness.</summary>
public sealed class StructuredRuleTests
{
    /// <summary>Cosine of the outputs when only near-zero channels went.</summary>
    private const double CloseCosine = 0.9999;

    private static void AssertClose(PruningResult result) =>
        Assert.All(result.Fidelity.Outputs, o => Assert.True(o.Cosine >= CloseCosine, $"{o.Name}: cosine {o.Cosine}"));

    [Fact]
    public void Residual_add_removes_the_same_channels_from_every_branch()
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var a = g.Relu(g.BatchNorm(g.Conv(x, 8, 16, "a"), 16, "a_bn"));
        var b = g.BatchNorm(g.Conv(a, 16, 16, "b"), 16, "b_bn");
        var shortcut = g.BatchNorm(g.Conv(x, 8, 16, "s", kernel: 1), 16, "s_bn");
        var sum = g.Relu(g.Builder.Op("Add", [b, shortcut]));
        var y = g.Conv(sum, 16, 4, "head", kernel: 1, dead: false);
        using var model = g.Build(y);

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.1 });

        var residual = Assert.Single(result.Groups, r => r.Producers.Count == 2);
        Assert.Contains(residual.Producers, p => p.Contains("'b'"));
        Assert.Contains(residual.Producers, p => p.Contains("'s'"));
        Assert.True(residual.Prunable);
        var kept = StructuredGraphs.WeightOf(result.Model, "b").Dims[0];
        Assert.Equal(kept, StructuredGraphs.WeightOf(result.Model, "s").Dims[0]);
        Assert.Equal(kept, StructuredGraphs.WeightOf(result.Model, "head").Dims[1]);
        Assert.Equal(residual.Kept, (int)kept);
        Assert.Equal(kept, StructuredGraphs.DimOf(result.Model, "b_bn_out", 1).Value);
        Assert.True(result.Groups.Sum(r => r.Channels - r.Kept) >= 1);
        Assert.Contains(result.Groups, r => !r.Prunable && r.Reason!.Contains("graph output"));
        AssertClose(result);
    }

    [Fact]
    public void Concat_maps_channels_with_offsets_and_split_maps_them_back()
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var left = g.Relu(g.Conv(x, 8, 16, "left"));
        var right = g.Relu(g.Conv(x, 8, 16, "right"));
        var joined = g.Builder.Op("Concat", [left, right], ("axis", 1L));
        var mixed = g.Relu(g.Conv(joined, 32, 8, "mix", kernel: 1, dead: false));
        var parts = g.Builder.AddNode("Split", [joined, g.Builder.Initializer("sizes", new long[] { 16, 16 }, 2)], outputCount: 2, name: "split",
            attributes: [("axis", 1L)]);
        var l2 = g.Conv(parts.Outputs[0], 16, 8, "after_left", kernel: 1, dead: false);
        var r2 = g.Conv(parts.Outputs[1], 16, 8, "after_right", kernel: 1, dead: false);
        var y = g.Builder.Op("Sum", [mixed, l2, r2]);
        using var model = g.Build(y);

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.1 });

        var leftGroup = Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'left'")));
        var rightGroup = Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'right'")));
        Assert.True(leftGroup.Prunable && rightGroup.Prunable);
        Assert.True(leftGroup.Kept < 16 || rightGroup.Kept < 16);
        Assert.Equal(leftGroup.Kept + rightGroup.Kept, StructuredGraphs.WeightOf(result.Model, "mix").Dims[1]);
        Assert.Equal(leftGroup.Kept, StructuredGraphs.WeightOf(result.Model, "after_left").Dims[1]);
        Assert.Equal(rightGroup.Kept, StructuredGraphs.WeightOf(result.Model, "after_right").Dims[1]);
        AssertClose(result);
    }

    [Fact]
    public void Slice_takes_a_concatenated_group_back()
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var left = g.Relu(g.Conv(x, 8, 16, "left"));
        var right = g.Relu(g.Conv(x, 8, 16, "right"));
        var joined = g.Builder.Op("Concat", [left, right], ("axis", 1L));
        Value Slice(long start, long end, string name) => g.Builder.AddNode("Slice", [joined,
            g.Builder.Initializer(name + "_starts", new[] { start }, 1), g.Builder.Initializer(name + "_ends", new[] { end }, 1),
            g.Builder.Initializer(name + "_axes", new[] { 1L }, 1)], name: name).Outputs[0];
        var first = g.Conv(Slice(0, 16, "first"), 16, 4, "after_first", kernel: 1, dead: false);
        var second = g.Conv(Slice(16, long.MaxValue, "second"), 16, 4, "after_second", kernel: 1, dead: false);
        using var model = g.Build(g.Builder.Op("Add", [first, second]));

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.1 });

        var leftGroup = Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'left'")));
        var rightGroup = Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'right'")));
        Assert.True(leftGroup.Prunable && rightGroup.Prunable);
        Assert.Equal(28, leftGroup.Kept + rightGroup.Kept);
        Assert.Equal(leftGroup.Kept, StructuredGraphs.WeightOf(result.Model, "after_first").Dims[1]);
        Assert.Equal(rightGroup.Kept, StructuredGraphs.WeightOf(result.Model, "after_second").Dims[1]);
        AssertClose(result);
    }

    [Fact]
    public void Split_through_one_group_leaves_it_whole_with_a_reason()
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var wide = g.Relu(g.Conv(x, 8, 16, "wide"));
        var parts = g.Builder.AddNode("Split", [wide, g.Builder.Initializer("sizes", new long[] { 8, 8 }, 2)], outputCount: 2, name: "halves",
            attributes: [("axis", 1L)]);
        var gate = g.Builder.Op("Sigmoid", [parts.Outputs[1]]);
        var glu = g.Builder.Op("Mul", [parts.Outputs[0], gate]);
        var inner = g.Relu(g.Conv(glu, 8, 16, "inner"));
        var y = g.Conv(inner, 16, 4, "head", kernel: 1, dead: false);
        using var model = g.Build(y);

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.1 });

        var wideGroup = Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'wide'")));
        Assert.False(wideGroup.Prunable);
        Assert.Contains("cuts through", wideGroup.Reason);
        Assert.Equal(16, StructuredGraphs.WeightOf(result.Model, "wide").Dims[0]);
        Assert.True(Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'inner'"))).Kept < 16);
        AssertClose(result);
    }

    [Fact]
    public void Depthwise_conv_shrinks_its_group_with_its_channels()
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var expand = g.Relu(g.Conv(x, 8, 16, "expand", kernel: 1));
        var depthwise = g.Relu(g.Conv(expand, 16, 16, "dw", kernel: 3, group: 16));
        var y = g.Conv(depthwise, 16, 4, "project", kernel: 1, dead: false);
        using var model = g.Build(y);

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.2 });

        var group = Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'expand'")));
        Assert.True(group.Kept < 16);
        var dw = result.Model.Graph.Nodes.Single(n => n.Name == "dw");
        Assert.Equal(group.Kept, dw.Attributes.GetInt("group", 0));
        Assert.Equal(group.Kept, dw.Inputs[1]!.Initializer!.Dims[0]);
        Assert.Equal(group.Kept, StructuredGraphs.WeightOf(result.Model, "project").Dims[1]);
        AssertClose(result);
    }

    [Fact]
    public void Flatten_before_gemm_maps_each_channel_to_its_block_of_features()
    {
        var g = new StructuredGraphs();
        var x = g.Input(channels: 3, size: 4);
        var features = g.Relu(g.Conv(x, 3, 16, "features"));
        var flat = g.Builder.Op("Flatten", [features], ("axis", 1L));
        var w = g.Builder.Initializer("fc_w", g.Weights(10, 16 * 16, 0), 10, 16 * 16);
        var bias = g.Builder.Initializer("fc_b", new float[10], 10);
        var y = g.Builder.AddNode("Gemm", [flat, w, bias], name: "fc", attributes: [("transB", 1L)]).Outputs[0];
        using var model = g.Build(y);

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.25 });

        var group = Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'features'")));
        Assert.Equal(12, group.Kept);
        Assert.Equal(new long[] { 10, 12 * 16 }, StructuredGraphs.WeightOf(result.Model, "fc").Dims);
        AssertClose(result);
    }

    [Fact]
    public void Reshape_before_matmul_maps_each_channel_to_its_block_of_features()
    {
        var g = new StructuredGraphs();
        var x = g.Input(channels: 3, size: 4);
        var features = g.Relu(g.Conv(x, 3, 16, "features"));
        var flat = g.Builder.Op("Reshape", [features, g.Builder.Initializer("shape", new long[] { 1, 256 }, 2)]);
        var w = g.Builder.Initializer("fc_w", g.Weights(256, 10, 0), 256, 10);
        var y = g.Builder.AddNode("MatMul", [flat, w], name: "fc").Outputs[0];
        using var model = g.Build(y);

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.25 });

        Assert.Equal(new long[] { 12 * 16, 10 }, StructuredGraphs.WeightOf(result.Model, "fc").Dims);
        AssertClose(result);
    }

    [Fact]
    public void A_tensor_read_by_two_consumers_shrinks_both()
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var shared = g.Relu(g.Conv(x, 8, 16, "shared"));
        var one = g.Conv(shared, 16, 4, "one", kernel: 1, dead: false);
        var two = g.Conv(shared, 16, 4, "two", dead: false);
        var y = g.Builder.Op("Add", [one, two]);
        using var model = g.Build(y);

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.25 });

        var group = Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'shared'")));
        Assert.Equal(12, group.Kept);
        Assert.Equal(2, group.Consumers.Count);
        Assert.Equal(12, StructuredGraphs.WeightOf(result.Model, "one").Dims[1]);
        Assert.Equal(12, StructuredGraphs.WeightOf(result.Model, "two").Dims[1]);
        AssertClose(result);
    }

    [Fact]
    public void An_op_without_a_rule_leaves_its_group_whole_with_a_reason()
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var a = g.Relu(g.Conv(x, 8, 16, "a"));
        var normalized = g.Builder.Op("LRN", [a], ("size", 3L));
        var b = g.Relu(g.Conv(normalized, 16, 16, "b"));
        var y = g.Conv(b, 16, 4, "head", kernel: 1, dead: false);
        using var model = g.Build(y);

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.1 });

        var blocked = Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'a'")));
        Assert.False(blocked.Prunable);
        Assert.Contains("LRN", blocked.Reason);
        Assert.Equal(16, StructuredGraphs.WeightOf(result.Model, "a").Dims[0]);
        Assert.Contains(result.Warnings, w => w.Contains("LRN"));
        AssertClose(result);
    }

    [Fact]
    public void Excluded_nodes_leave_their_groups_whole()
    {
        using var model = StructuredGraphs.Chain();

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.1, ExcludedNodes = ["a"] });

        var excluded = Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'a'")));
        Assert.False(excluded.Prunable);
        Assert.Contains("excluded", excluded.Reason);
        Assert.Equal(16, excluded.Kept);
        Assert.True(Assert.Single(result.Groups, r => r.Producers.Any(p => p.Contains("'b'"))).Kept < 16);
    }

    [Fact]
    public void Kept_counts_are_multiples_of_round_to_and_never_zero()
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var a = g.Relu(g.Conv(x, 8, 24, "a"));
        var b = g.Relu(g.Conv(a, 24, 20, "b"));
        var c = g.Relu(g.Conv(b, 20, 3, "small"));
        var y = g.Conv(c, 3, 4, "head", kernel: 1, dead: false);
        using var model = g.Build(y);

        using var rounded = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.3, RoundTo = 8 });
        foreach (var group in rounded.Groups.Where(r => r.Prunable))
            Assert.True(group.Kept == group.Channels || group.Kept % 8 == 0, $"group {group.Id} keeps {group.Kept}");
        Assert.Contains(rounded.Groups, r => r.Kept < r.Channels);
        var small = Assert.Single(rounded.Groups, r => r.Producers.Any(p => p.Contains("'small'")));
        Assert.Equal(3, small.Kept);

        using var deep = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.9 });
        Assert.All(deep.Groups, r => Assert.True(r.Kept >= 1));
        Assert.True(deep.Groups.Where(r => r.Prunable).Sum(r => r.Channels - r.Kept) >= 0.9 * 47 - 1);
    }

    [Theory]
    [InlineData(ChannelImportance.L1)]
    [InlineData(ChannelImportance.L2)]
    [InlineData(ChannelImportance.Fpgm)]
    [InlineData(ChannelImportance.Activation)]
    public void Every_importance_removes_the_near_zero_channels_first(ChannelImportance importance)
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var a = g.Relu(g.BatchNorm(g.Conv(x, 8, 16, "a"), 16, "a_bn"));
        var b = g.Relu(g.Conv(a, 16, 16, "b"));
        var y = g.Conv(b, 16, 4, "head", kernel: 1, dead: false);
        using var model = g.Build(y);
        var random = new Random(3);
        var samples = Enumerable.Range(0, 8).Select(_ => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.Create("x", Enumerable.Range(0, 8 * 64).Select(_ => (float)random.NextDouble()).ToArray(), 1, 8, 8, 8),
        }).ToList();

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.125, Importance = importance }, new EdgeOpt.Data.InMemorySampleSource(samples));

        Assert.Equal(28, result.Groups.Where(r => r.Prunable).Sum(r => r.Kept));
        AssertClose(result);
    }

    [Fact]
    public void Measuring_sensitivity_gives_one_row_per_prunable_group()
    {
        using var model = StructuredGraphs.Chain();

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.1, MeasureSensitivity = true });

        var prunable = result.Groups.Where(r => r.Prunable).Select(r => r.Id).Order().ToList();
        Assert.Equal(prunable, result.Sensitivity.Select(s => s.Group).Order().ToList());
        Assert.All(result.Sensitivity, s =>
        {
            Assert.Equal(0.5, s.Fraction, 3);
            Assert.InRange(s.Cosine, -1, 1.000001);
            Assert.True(s.RelativeError > 0);
        });
    }

    [Fact]
    public void Target_macs_keeps_at_most_that_fraction()
    {
        var g = new StructuredGraphs();
        var x = g.Input();
        var a = g.Relu(g.Conv(x, 8, 32, "a"));
        var b = g.Relu(g.Conv(a, 32, 32, "b"));
        var y = g.Conv(b, 32, 4, "head", kernel: 1, dead: false);
        using var model = g.Build(y);

        using var result = StructuredGraphs.Prune(model, new PruningOptions { TargetMacs = 0.6 });

        Assert.True(result.MacRatio <= 0.6, $"MAC ratio {result.MacRatio}");
        Assert.True(result.MacRatio > 0.3, $"MAC ratio {result.MacRatio}: pruned far more than asked");
    }
}
