using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.ShapeInference;

/// <summary>Shape inference inside Loop bodies: inputs seeded from the Loop, and a carried value that grows is not pinned to its first size.</summary>
public class ControlFlowShapeTests
{
    [Fact]
    public void A_carried_value_that_grows_keeps_only_the_dims_that_stay_and_folding_inside_the_body_stays_correct()
    {
        // Loop(3, true, acc=x[1,4]) { acc_out = Concat(acc, x); rows = Gather(Shape(acc), 0) } → y (final acc), rows stacked.
        var b = new GraphBuilder("growing", opset: 17);
        var x = b.Input("x", DataType.Float, 1, 4);
        var trips = b.Initializer(Tensor.Scalar("trips", 3L));
        var keepGoing = b.Initializer(Tensor.Scalar("keep_going", true));
        var zero = b.Initializer(Tensor.Scalar("zero", 0L));
        var body = new Graph("body");
        body.Inputs.Add(new Value("i", new TensorType(DataType.Int64, new TensorShape())));
        var condIn = new Value("cond_in", new TensorType(DataType.Bool, new TensorShape()));
        body.Inputs.Add(condIn);
        var acc = new Value("acc");
        body.Inputs.Add(acc);
        var condOut = new Value("cond_out");
        body.AddNode(new Node("Identity", [condIn], [condOut], name: "carry_cond"));
        var grown = new Value("acc_out");
        var concat = new Node("Concat", [acc, x], [grown], name: "grow");
        concat.Attributes.Set("axis", 0L);
        body.AddNode(concat);
        var shape = new Value("acc_shape");
        body.AddNode(new Node("Shape", [acc], [shape], name: "shape"));
        var rows = new Value("rows");
        var gather = new Node("Gather", [shape, zero], [rows], name: "rows_of");
        gather.Attributes.Set("axis", 0L);
        body.AddNode(gather);
        body.Outputs.Add(condOut);
        body.Outputs.Add(grown);
        body.Outputs.Add(rows);
        var loop = b.AddNode("Loop", [trips, keepGoing, x], outputCount: 2, name: "loop", attributes: [("body", body)]);
        b.Output(loop.Outputs[0], "y");
        b.Output(loop.Outputs[1], "row_counts");
        using var original = b.Build();
        using var model = original.Clone();

        EdgeOpt.Onnx.ShapeInference.Infer(model);

        var inferred = model.Graph.Nodes.Single(n => n.OpType == "Loop").Subgraphs.Single();
        Assert.Equal(new TensorShape(Dim.Unknown, 4), inferred.Inputs[2].Shape); // not [1,4]: the body makes it [2,4], [3,4], ...
        Assert.Equal(new TensorShape(Dim.Unknown, 4), inferred.Outputs[1].Shape);
        Assert.Equal(new TensorShape(), inferred.Outputs[2].Shape);
        Assert.Equal(DataType.Int64, inferred.Outputs[2].ElementType);
        Assert.Equal(new TensorShape(Dim.Unknown, 4), model.Graph.Outputs[0].Shape);

        ModelOptimizer.Optimize(model, new OptimizationOptions());
        Assert.Contains(model.Graph.AllNodes(), n => n.OpType == "Shape"); // the row count is not folded to 1
        using var saved = Model.Parse(model.ToBytes());
        Assert.Equal(0, ModelEquivalence.Compare(original, saved, samples: 2).MaxAbsError);
    }
}
