using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Passes;

public class FoldConstantsTests
{
    private static readonly Dim N = Dim.Symbolic("N");

    [Fact]
    public void A_shape_subgraph_with_a_fixed_batch_becomes_one_Reshape_by_a_constant()
    {
        // x.view(x.size(0), -1) as PyTorch exports it.
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, N, 8, 2, 2);
        var shape = b.Op("Shape", [x]);
        var batch = b.Op("Gather", [shape, b.Initializer(Tensor.Scalar("zero", 0L))], ("axis", 0L));
        var batch1 = b.Op("Unsqueeze", [batch, b.Initializer("axes", new[] { 0L }, 1)]);
        var target = b.Op("Concat", [batch1, b.Initializer("minus1", new[] { -1L }, 1)], ("axis", 0L));
        b.Output(b.Op("Reshape", [x, target]), "y");
        using var original = b.Build();
        using var model = original.Clone();

        var options = new OptimizationOptions { FixedShapes = new Dictionary<string, long[]> { ["x"] = [3, 8, 2, 2] } };
        var report = new PassManager([new FixInputShapes(), new FoldConstants()]).Run(model, new PassContext(options));

        var reshape = Assert.Single(model.Graph.Nodes);
        Assert.Equal("Reshape", reshape.OpType);
        Assert.Equal([3L, -1L], reshape.Inputs[1]!.Initializer!.ToInt64Array());
        Assert.Single(model.Graph.Initializers); // the folded chain's constants are gone
        Assert.Equal(5, report.NodesBefore);
        var equivalence = ModelEquivalence.Compare(original, model, samples: 2, dims: new Dictionary<string, long> { ["N"] = 3 });
        Assert.Equal(0, equivalence.MaxAbsError);
    }

    [Fact]
    public void Shape_with_start_folds_the_known_dims_past_a_symbolic_batch()
    {
        var b = new GraphBuilder(opset: 15);
        var x = b.Input("x", DataType.Float, N, 4, 5);
        var tail = b.Op("Shape", [x], ("start", 1L));
        b.Output(b.Op("Reshape", [x, b.Op("Concat", [b.Initializer("m1", new[] { -1L }, 1), tail], ("axis", 0L))]), "y");
        using var model = b.Build();

        Assert.True(new FoldConstants().Run(model, new PassContext()));

        var reshape = Assert.Single(model.Graph.Nodes);
        Assert.Equal([-1L, 4L, 5L], reshape.Inputs[1]!.Initializer!.ToInt64Array());
    }

    [Fact]
    public void Arithmetic_on_constants_and_Constant_nodes_folds_to_one_initializer_with_exact_values()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, N, 4);
        var a = b.Initializer("a", new[] { 1f, 2f, 3f, 4f }, 4);
        var c = b.AddNode("Constant", [], attributes: [("value", Tensor.Create("cv", new[] { 0.5f, 0.25f, 2f, 8f }, 4))]).Outputs[0];
        var scale = b.Op("Sqrt", [b.Op("Mul", [b.Op("Add", [a, c]), c])]);
        b.Output(b.Op("Mul", [x, scale]), "y");
        using var original = b.Build();
        using var model = original.Clone();

        var changed = new FoldConstants().Run(model, new PassContext());

        Assert.True(changed);
        var mul = Assert.Single(model.Graph.Nodes);
        Assert.Equal("Mul", mul.OpType);
        var folded = mul.Inputs[1]!.Initializer!.ToSingleArray();
        float[] expected = [MathF.Sqrt(1.5f * 0.5f), MathF.Sqrt(2.25f * 0.25f), MathF.Sqrt(5f * 2f), MathF.Sqrt(12f * 8f)];
        Assert.Equal(expected, folded);
        Assert.Single(model.Graph.Initializers);
        Assert.Equal(0, ModelEquivalence.Compare(original, model, samples: 2).MaxAbsError);
        Assert.False(new FoldConstants().Run(model, new PassContext())); // a fixpoint
    }

    [Fact]
    public void Multi_output_nodes_and_graph_outputs_fold()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 3);
        var split = b.AddNode("Split", [b.Initializer("w", new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3)], outputCount: 2, attributes: [("axis", 0L)]);
        b.Output(b.Op("Add", [x, split.Outputs[0]]), "y");
        b.Output(split.Outputs[1], "second");
        using var original = b.Build();
        using var model = original.Clone();

        Assert.True(new FoldConstants().Run(model, new PassContext()));

        Assert.Equal("Add", Assert.Single(model.Graph.Nodes).OpType);
        Assert.Equal([4f, 5f, 6f], model.Graph.Outputs[1].Initializer!.ToSingleArray());
        Assert.Equal(0, ModelEquivalence.Compare(original, model, samples: 2).MaxAbsError);
    }

    [Fact]
    public void The_size_cap_and_the_no_bloat_rule_leave_big_outputs_alone()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 64, 64);
        // 16 KiB from a 4-byte scalar: allowed by the cap, but it would grow the model.
        var expanded = b.Op("Expand", [b.Initializer(Tensor.Scalar("one", 1f)), b.Initializer("shape", new[] { 64L, 64L }, 2)]);
        // 4 MiB of zeros: over the default 1 MiB cap.
        var zeros = b.Op("ConstantOfShape", [b.Initializer("big", new[] { 1024L, 1024L }, 2)]);
        b.Output(b.Op("Add", [x, expanded]), "y");
        b.Output(zeros, "z");
        using var model = b.Build();
        var context = new PassContext();

        Assert.False(new FoldConstants().Run(model, context));

        Assert.Equal(["Expand", "ConstantOfShape", "Add"], model.Graph.Nodes.Select(n => n.OpType));
        Assert.Contains(context.Notes, n => n.Contains("Expand") && n.Contains("growing the model", StringComparison.Ordinal));
        Assert.Contains(context.Notes, n => n.Contains("ConstantOfShape") && n.Contains("over the fold size limit of 1048576 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void A_lower_size_limit_is_respected()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 8);
        var sum = b.Op("Add", [b.Initializer("p", new float[8], 8), b.Initializer("q", new float[8], 8)]);
        b.Output(b.Op("Mul", [x, sum]), "y");
        using var model = b.Build();

        var changed = new FoldConstants().Run(model, new PassContext(new OptimizationOptions { FoldSizeLimitBytes = 16 }));

        Assert.False(changed);
        Assert.Equal(2, model.Graph.Nodes.Count);
    }

    [Fact]
    public void Random_ops_are_never_folded()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 2, 2);
        var like = b.Op("RandomNormalLike", [b.Initializer("t", new float[4], 2, 2)], ("seed", 1f));
        var uniform = b.Op("RandomUniform", [], ("shape", new long[] { 2, 2 }), ("seed", 2f));
        var coin = b.Op("Bernoulli", [b.Initializer("p", new[] { 0.5f, 0.5f, 0.5f, 0.5f }, 2, 2)]);
        b.Output(b.Op("Sum", [x, like, uniform, coin]), "y");
        using var model = b.Build();
        var context = new PassContext();

        Assert.False(new FoldConstants().Run(model, context));

        Assert.Equal(["RandomNormalLike", "RandomUniform", "Bernoulli", "Sum"], model.Graph.Nodes.Select(n => n.OpType));
        Assert.Contains(context.Notes, n => n.Contains("RandomNormalLike") && n.Contains("not deterministic", StringComparison.Ordinal));
    }

    [Fact]
    public void Ops_ONNX_Runtime_cannot_run_are_skipped_with_a_note()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 2);
        // ORT has no CPU kernel for Sqrt on int16, and Cast to float8 gives a type its C# API cannot read.
        var root = b.Op("Sqrt", [b.Initializer("i16", new short[] { 4, 9 }, 2)]);
        var f8 = b.Op("Cast", [b.Initializer("h", new[] { 1f, 2f }, 2)], ("to", (long)DataType.Float8E4M3FN));
        var back = b.Op("Cast", [f8], ("to", (long)DataType.Float));
        var sum = b.Op("Add", [x, b.Op("Cast", [root], ("to", (long)DataType.Float))]);
        b.Output(b.Op("Add", [sum, back]), "y");
        using var model = b.Build();
        var context = new PassContext();

        var changed = new FoldConstants().Run(model, context);

        Assert.False(changed);
        Assert.Equal(6, model.Graph.Nodes.Count);
        Assert.Contains(context.Notes, n => n.Contains("Sqrt") && n.Contains("ONNX Runtime cannot evaluate it", StringComparison.Ordinal));
        Assert.True(context.Notes.Any(n => n.Contains("Cast") && n.Contains("float8e4m3fn", StringComparison.Ordinal)), string.Join("\n", context.Notes));
    }
}
