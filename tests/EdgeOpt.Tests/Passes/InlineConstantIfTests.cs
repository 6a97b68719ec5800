using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.ControlFlow;

namespace EdgeOpt.Tests.Passes;

/// <summary><see cref="InlineConstantIf"/>: the taken branch is spliced into the parent, checked in ONNX Runtime.</summary>
public class InlineConstantIfTests
{
    [Fact]
    public void An_If_on_a_constant_is_replaced_by_its_taken_branch_with_clashing_names_renamed()
    {
        using var original = ControlFlowTestModels.ModeSwitch();
        using var model = original.Clone();
        // What folding leaves once mode is known: the condition as a constant initializer.
        var cond = model.Graph.Nodes.Single(n => n.OpType == "Equal");
        var constant = model.Graph.Initializers.Add(Tensor.Scalar("cond_true", true));
        cond.Outputs[0].ReplaceAllUsesWith(constant);
        model.Graph.RemoveNode(cond);

        Assert.True(new InlineConstantIf().Run(model, new PassContext()).Changed);

        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "If");
        // The then-branches' nodes; the third's Identity now carries input x out as graph output x_again.
        Assert.Equal(["Abs", "Add", "Identity", "Mul", "Relu"], model.Graph.Nodes.Select(n => n.OpType).Order(StringComparer.Ordinal));
        Assert.True(model.Graph.Initializers.TryGet("w_then", out _)); // the branch's weight moved up
        BindInputsTests.AssertUniqueNames(model);
        Assert.Equal(["y", "z", "x_again"], model.Graph.Outputs.Select(v => v.Name));
        Assert.False(new InlineConstantIf().Run(model, new PassContext()).Changed); // a fixpoint

        using var saved = Model.Parse(model.ToBytes());
        var inputs = Enumerable.Range(0, 3).Select(i =>
        {
            var sample = InputGenerator.Random(original, seed: i, new Dictionary<string, long> { ["N"] = 3 });
            sample["mode"] = Tensor.Scalar("mode", 1L);
            return (IReadOnlyDictionary<string, Tensor>)sample;
        }).ToList();
        Assert.Equal(0, ModelEquivalence.Compare(original, saved, inputs).MaxAbsError);
    }

    [Fact]
    public void An_If_on_a_runtime_condition_is_left_alone()
    {
        using var model = ControlFlowTestModels.ModeSwitch();
        var before = model.ToBytes();

        Assert.False(new InlineConstantIf().Run(model, new PassContext()).Changed);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void An_If_inside_a_Loop_body_is_inlined_into_the_body()
    {
        // Loop body: cond_out = true; acc_out = If(const false) { acc + x } else { acc * x }; the If sits in the body.
        var b = new GraphBuilder("loop_if", opset: 17);
        var x = b.Input("x", DataType.Float, 4);
        var trips = b.Initializer(Tensor.Scalar("trips", 3L));
        var keepGoing = b.Initializer(Tensor.Scalar("keep_going", true));
        var start = b.Initializer(Tensor.Create("start", new[] { 1f, 2f, 3f, 4f }, 4));
        var body = new Graph("body");
        var iteration = new Value("i", new TensorType(DataType.Int64, new TensorShape()));
        var condIn = new Value("cond_in", new TensorType(DataType.Bool, new TensorShape()));
        var acc = new Value("acc", new TensorType(DataType.Float, new TensorShape(4)));
        body.Inputs.Add(iteration);
        body.Inputs.Add(condIn);
        body.Inputs.Add(acc);
        var flag = body.Initializers.Add(Tensor.Scalar("flag", false));
        var then = new Graph("then");
        var sum = new Value("sum", new TensorType(DataType.Float, new TensorShape(4)));
        then.AddNode(new Node("Add", [acc, x], [sum], name: "add"));
        then.Outputs.Add(sum);
        var otherwise = new Graph("else");
        var product = new Value("product", new TensorType(DataType.Float, new TensorShape(4)));
        otherwise.AddNode(new Node("Mul", [acc, x], [product], name: "mul"));
        otherwise.Outputs.Add(product);
        var accOut = new Value("acc_out", new TensorType(DataType.Float, new TensorShape(4)));
        var ifNode = new Node("If", [flag], [accOut], name: "inner_if");
        ifNode.Attributes.Set("then_branch", then);
        ifNode.Attributes.Set("else_branch", otherwise);
        body.AddNode(ifNode);
        var condOut = new Value("cond_out", new TensorType(DataType.Bool, new TensorShape()));
        body.AddNode(new Node("Identity", [condIn], [condOut], name: "carry_cond"));
        body.Outputs.Add(condOut);
        body.Outputs.Add(accOut);
        b.Output(b.AddNode("Loop", [trips, keepGoing, start], name: "loop", attributes: [("body", body)]).Outputs[0], "y", new TensorType(DataType.Float, new TensorShape(4)));
        using var original = b.Build();
        using var model = original.Clone();

        Assert.True(new InlineConstantIf().Run(model, new PassContext()).Changed);

        var loopBody = model.Graph.Nodes.Single(n => n.OpType == "Loop").Subgraphs.Single();
        Assert.Equal(["Mul", "Identity"], loopBody.Nodes.Select(n => n.OpType));
        Assert.Equal("acc_out", loopBody.Outputs[1].Name); // the body's output keeps its name
        using var saved = Model.Parse(model.ToBytes());
        var equivalence = ModelEquivalence.Compare(original, saved, samples: 3);
        Assert.Equal(0, equivalence.MaxAbsError);
    }
}
