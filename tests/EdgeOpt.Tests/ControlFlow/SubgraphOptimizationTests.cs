using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Optimization;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.ControlFlow;

/// <summary>
/// <c>optimize</c> inside If/Loop/Scan bodies: every pass reaches the bodies, values they capture from outer scopes
/// stay valid, and the results reproduce ONNX Runtime's outputs on the conformance suite's control-flow models and
/// on Silero VAD (unbound, so its If on the sample rate stays).
/// </summary>
public sealed class SubgraphOptimizationTests(ITestOutputHelper output)
{
    // test_loop13_seq is left out: its input is an empty sequence, which ORT's API cannot build, so ORT cannot judge it.
    public static TheoryData<string> ControlFlowModels => new()
    {
        "test_if", "test_if_opt", "test_if_seq", "test_loop11", "test_loop16_seq_none", "test_scan9_sum", "test_scan_sum",
    };

    [Theory]
    [MemberData(nameof(ControlFlowModels))]
    public void Every_pass_and_the_optimizer_keep_the_conformance_outputs_of_control_flow_models(string name)
    {
        var directory = Directory.GetDirectories(Fixtures.OnnxTestData, name, SearchOption.AllDirectories).Single();

        var results = OptimizerConformance.Run(Path.GetFileName(Path.GetDirectoryName(directory))!, directory, OptimizationVariant.All());

        Assert.All(results, r => Assert.True(r.Outcome is VariantOutcome.Pass or VariantOutcome.Unchanged, r.ToString()));
    }

    [Fact]
    public void Unbound_Silero_models_are_optimized_inside_their_branches_and_score_speech_as_before()
    {
        using var dir = new TempDir();
        foreach (var (path, file) in new[] { (Fixtures.SileroVadLegacy, "legacy.opt.onnx"), (Fixtures.SileroVadV5, "v5.opt.onnx") })
        {
            using var model = Model.Load(path);
            var ifsBefore = model.Graph.AllNodes().Count(n => n.OpType == "If");
            var innerBefore = model.Graph.AllNodes().Count() - model.Graph.Nodes.Count;

            var result = ModelOptimizer.Optimize(model, new OptimizationOptions());
            model.Save(dir.File(file));

            // The top-level If on sr remains (sr is a run-time input); the bodies shrank: shape-decided Ifs inlined, folds.
            Assert.Contains(model.Graph.Nodes, n => n.OpType == "If");
            Assert.True(model.Graph.AllNodes().Count(n => n.OpType == "If") < ifsBefore, $"{file}: no If inside the branches was inlined");
            Assert.True(model.Graph.AllNodes().Count() - model.Graph.Nodes.Count < innerBefore, $"{file}: the branch bodies did not shrink");
            Assert.True(result.Passes.Passes.Single(p => p.Pass == "inline-constant-if").Changes > 0);
            var worst = SileroBindTests.AssertSameSpeechProbabilities(path, dir.File(file));
            output.WriteLine($"{file}: {PassManager.CountNodes(model)} nodes, max abs probability difference {worst:E2}");
        }
    }

    [Fact]
    public void Values_captured_by_a_branch_stay_linked_when_passes_rewrite_the_outer_graph_and_the_body()
    {
        // a = Relu(x); b = Identity(a) read only inside the branches; then: Identity(b) (an outer value cannot be a
        // subgraph output directly in ORT) ; else: Add(b, Mul(c, c)) with c a Constant node inside the branch.
        var b = new GraphBuilder("captures", opset: 17);
        var x = b.Input("x", DataType.Float, 3);
        var cond = b.Input("cond", DataType.Bool);
        var a = b.Op("Relu", [x]);
        var outer = b.Op("Identity", [a]);
        var type = new TensorType(DataType.Float, new TensorShape(3));
        var then = new Graph("then");
        var passed = new Value("passed", type);
        then.AddNode(new Node("Identity", [outer], [passed], name: "pass_outer"));
        then.Outputs.Add(passed);
        var otherwise = new Graph("else");
        var constant = new Value("c", new TensorType(DataType.Float, new TensorShape(3)));
        var constantNode = new Node("Constant", [], [constant], name: "c_node");
        constantNode.Attributes.Set("value", Tensor.Create("c_value", new[] { 1f, 2f, 3f }, 3));
        otherwise.AddNode(constantNode);
        var squared = new Value("squared", type);
        otherwise.AddNode(new Node("Mul", [constant, constant], [squared], name: "square"));
        var sum = new Value("sum", type);
        otherwise.AddNode(new Node("Add", [outer, squared], [sum], name: "add_outer"));
        otherwise.Outputs.Add(sum);
        b.Output(b.AddNode("If", [cond], name: "branch", attributes: [("then_branch", then), ("else_branch", otherwise)]).Outputs[0], "y", type);
        using var original = b.Build();
        using var model = original.Clone();

        ModelOptimizer.Optimize(model, new OptimizationOptions());

        var main = model.Graph;
        Assert.DoesNotContain(main.Nodes, n => n.OpType == "Identity"); // the outer Identity went; the captures now read Relu's output
        var relu = main.Nodes.Single(n => n.OpType == "Relu").Outputs[0];
        var ifNode = main.Nodes.Single(n => n.OpType == "If");
        var thenBody = ifNode.Attributes["then_branch"]!.AsGraph();
        var elseBody = ifNode.Attributes["else_branch"]!.AsGraph();
        Assert.Same(relu, Assert.Single(thenBody.Nodes, n => n.OpType == "Identity").Inputs[0]); // kept: ORT needs it
        var add = Assert.Single(elseBody.Nodes);
        Assert.Equal("Add", add.OpType);
        Assert.Same(relu, add.Inputs[0]);
        Assert.Equal([1f, 4f, 9f], add.Inputs[1]!.Initializer!.ToSingleArray()); // c*c, folded inside the body
        using var saved = Model.Parse(model.ToBytes());
        foreach (var value in new[] { true, false })
        {
            var inputs = Enumerable.Range(0, 3).Select(i =>
            {
                var sample = InputGenerator.Random(original, seed: i);
                sample["cond"] = Tensor.Scalar("cond", value);
                return (IReadOnlyDictionary<string, Tensor>)sample;
            }).ToList();
            Assert.Equal(0, ModelEquivalence.Compare(original, saved, inputs).MaxAbsError);
        }
    }
}
