using EdgeOpt.Analysis;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Analysis;

/// <summary>Parameters: every element of every distinct weight tensor, initializers and Constant payloads, subgraphs included.</summary>
public class ParameterCountTests
{
    [Fact]
    public void Counts_initializers_constant_attributes_and_subgraph_weights_once_each()
    {
        var b = new GraphBuilder("weights");
        var x = b.Input("x", DataType.Float, 2, 3);
        var w = b.Initializer("w", new float[6], 2, 3);                 // 6 float
        var idx = b.Initializer("idx", new long[] { 0, 1, 2, 3 }, 4);    // 4 int64
        var shared = Tensor.Create("shared", [1f, 2f], 2);               // 2 float, used by two Constant nodes
        var c1 = b.AddNode("Constant", [], attributes: ("value", Tensor.Create("c", new float[5], 5))).Outputs[0]; // 5 float
        var c2 = b.AddNode("Constant", [], attributes: ("value_floats", new[] { 1f, 2f, 3f })).Outputs[0];          // 3 float
        var c3 = b.AddNode("Constant", [], attributes: ("value_int", 7L)).Outputs[0];                              // 1 int64
        var s1 = b.AddNode("Constant", [], attributes: ("value", shared)).Outputs[0];
        var s2 = b.AddNode("Constant", [], attributes: ("value", shared)).Outputs[0];

        var then = new Graph("then");
        then.Initializers.Add(Tensor.Create("sub_w", new float[7], 7));  // 7 float
        var inner = new Node("Constant", [], [new Value("inner")]);
        inner.Attributes.Set(OnnxAttribute.Ints("value_ints", 1, 2));   // 2 int64
        then.AddNode(inner);
        then.Outputs.Add(inner.Outputs[0]);
        var otherwise = new Graph("else");
        var elseOut = new Value("else_out");
        otherwise.AddNode(new Node("Identity", [idx], [elseOut]));
        otherwise.Outputs.Add(elseOut);
        var cond = b.Input("cond", DataType.Bool);
        b.Output(b.AddNode("If", [cond], attributes: [("then_branch", then), ("else_branch", otherwise)]).Outputs[0], "branch");
        b.Output(b.Op("Add", [x, w]), "y");
        foreach (var c in new[] { c1, c2, c3, s1, s2 }) b.Output(c);

        var p = ModelProfile.Analyze(b.Build());

        Assert.Equal(6 + 4 + 5 + 3 + 1 + 2 + 7 + 2, p.Parameters);
        Assert.Equal((6 + 5 + 3 + 2 + 7) * 4 + (4 + 1 + 2) * 8, p.WeightBytes);
        var floats = Assert.Single(p.WeightsByType, t => t.DataType == DataType.Float);
        Assert.Equal((5, 23L, 92L), (floats.Tensors, floats.Elements, floats.Bytes));
        var longs = Assert.Single(p.WeightsByType, t => t.DataType == DataType.Int64);
        Assert.Equal((3, 7L, 56L), (longs.Tensors, longs.Elements, longs.Bytes));
        Assert.Equal(7, p.Nodes);       // five Constant, If, Add
        Assert.Equal(9, p.TotalNodes);  // plus one node per branch
    }

    [Fact]
    public void Largest_tensors_rank_weights_and_activations_by_bytes_with_their_kind()
    {
        var b = new GraphBuilder("rank");
        var x = b.Input("x", DataType.Float, 1, 100);                      // 400 B input
        b.Initializer("big", new float[1000], 10, 100);                    // 4,000 B weight, unused
        var small = b.Initializer("small", new float[10], 10);             // 40 B weight
        var h = b.Op("MatMul", [x, b.Initializer("t", new float[100 * 300], 100, 300)]); // 120,000 B weight, 1,200 B activation
        h.Type = new TensorType(DataType.Float, new TensorShape(1, 300));
        b.Output(b.Op("Add", [b.Op("MatMul", [h, b.Initializer("back", new float[300 * 10], 300, 10)]), small]), "y");

        var p = ModelProfile.Analyze(b.Build(), new ProfileOptions { LargestTensorCount = 4 });

        Assert.Equal(["t", "back", "big", "matmul_0"], p.LargestTensors.Select(t => t.Name));
        Assert.Equal([120_000L, 12_000, 4_000, 1_200], p.LargestTensors.Select(t => t.Bytes));
        Assert.Equal(TensorKind.Weight, p.LargestTensors[0].Kind);
        Assert.Equal(TensorKind.Activation, p.LargestTensors[3].Kind);
        Assert.Equal([Dim.Of(1), Dim.Of(300)], p.LargestTensors[3].Shape);
    }

    [Fact]
    public void Bad_options_are_usage_errors_naming_the_value()
    {
        using var model = new GraphBuilder("m").Build();

        var dim = Assert.ThrowsAny<UsageException>(() => // InvalidOptionsException (ProfileOptions.Validate)
            ModelProfile.Analyze(model, new ProfileOptions { DimensionValues = new Dictionary<string, long> { ["batch"] = 0 } }));
        Assert.Contains("'batch'", dim.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<UsageException>(() => ModelProfile.Analyze(model, new ProfileOptions { LargestTensorCount = -1 }));
    }
}
