using EdgeOpt.Onnx;
using EdgeOpt.Targets;
using EdgeOpt.Targets.Internal;

namespace EdgeOpt.Tests.Targets;

/// <summary>ORT's partition grouping (CreateSupportedPartitionNodeGroups) and its usability verdict.</summary>
public sealed class ProviderPartitioningTests
{
    [Fact]
    public void A_region_reached_only_through_an_unsupported_node_is_a_second_partition_even_when_connected_otherwise()
    {
        // r1 -> U -> r2 -> add, and r1 -> r3 -> add: all supported nodes are connected (one component), but ORT cannot put
        // r2 in r1's partition without a cycle through U, so it closes the group before U: [r1, r3] and [r2, add].
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 1, 4);
        var r1 = b.Op("Relu", [x]);
        var u = b.Op("Erf", [r1]);
        var r2 = b.Op("Relu", [u]);
        var r3 = b.Op("Sigmoid", [r1]);
        b.Output(b.Op("Add", [r2, r3]));
        using var model = b.Build();

        var groups = ProviderPartitioning.Groups(model.Graph, n => n.OpType != "Erf");

        Assert.Equal([["Relu", "Sigmoid"], ["Relu", "Add"]], groups.Select(g => g.Select(n => n.OpType).ToArray()).ToArray());
    }

    [Fact]
    public void Independent_supported_chains_before_any_unsupported_node_share_one_partition()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 1, 4);
        var y = b.Input("y", DataType.Float, 1, 4);
        b.Output(b.Op("Relu", [x]));
        b.Output(b.Op("Sigmoid", [y]));
        using var model = b.Build();

        Assert.Single(ProviderPartitioning.Groups(model.Graph, _ => true));
    }

    [Theory]
    [InlineData(1, 80, ProviderSuitability.Yes)]
    [InlineData(1, 75, ProviderSuitability.Maybe)]
    [InlineData(1, 51, ProviderSuitability.Maybe)]
    [InlineData(1, 50, ProviderSuitability.No)]
    [InlineData(2, 76, ProviderSuitability.Maybe)]
    [InlineData(2, 75, ProviderSuitability.No)]
    [InlineData(3, 99, ProviderSuitability.No)]
    public void Verdict_follows_ort_thresholds(int partitions, double percent, ProviderSuitability expected) =>
        Assert.Equal(expected, ProviderPartitioning.Suitability(partitions, percent));
}
