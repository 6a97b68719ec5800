using EdgeOpt.Analysis;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Tests.Conformance;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Tests.Analysis;

/// <summary>
/// <see cref="ModelProfile"/> through If/Loop/Scan: shapes inferred inside the bodies, MACs and FLOPs per branch or body,
/// the node totals taking the branch a known condition selects (else the costlier one) and multiplying bodies by their
/// iteration count.
/// </summary>
public sealed class ControlFlowProfileTests
{
    private static readonly Dictionary<string, long> OneChunk = new() { ["batch"] = 1, ["sequence"] = 512 };

    [Fact]
    public void Silero_legacy_branches_cost_what_their_Conv_and_LSTM_weights_say_on_a_512_sample_chunk()
    {
        using var model = Model.Load(Fixtures.SileroVadLegacy);

        var profile = ModelProfile.Analyze(model, new ProfileOptions { DimensionValues = OneChunk });

        Assert.Equal(0, profile.UnresolvedShapes);
        Assert.Empty(profile.NotCounted);
        var top = profile.Subgraphs.Where(s => s.Node == "'If_25' (If)").ToDictionary(s => s.Body);
        Assert.Equal(["else_branch", "then_branch"], top.Keys.Order(StringComparer.Ordinal));
        long expected16k = IndependentMacs(Fixtures.SileroVadLegacy);
        Assert.Equal(expected16k, top["then_branch"].Macs); // the If on sr: then is 16 kHz
        Assert.All(top.Values, s => Assert.Equal(124, s.Nodes));
        // sr is a run-time input: the totals take the costlier branch, as a budget must.
        var costlier = top.Values.MaxBy(s => s.Flops)!;
        Assert.True(costlier.InTotals);
        Assert.Equal(costlier.Macs, profile.Macs);
        Assert.Equal(costlier.Flops + 1, profile.Flops); // plus the top-level Equal on sr
        Assert.Equal(profile.Macs, profile.CostByOp.Sum(c => c.Macs));
        Assert.Contains(profile.CostByOp, c => c.OpType == "Conv" && c.Macs > 0);
        Assert.Contains(profile.CostByOp, c => c.OpType == "LSTM" && c.Macs > 0);
        // Ifs whose condition shape arithmetic decides (the exporter's "squeeze if this dim is 1") count their taken branch.
        Assert.Contains(profile.Subgraphs, s => s.Node.EndsWith("'If_177' (If)", StringComparison.Ordinal) && s.Body == "then_branch" && s.InTotals);
    }

    [Fact]
    public void Silero_legacy_without_sizes_infers_far_more_shapes_than_before_and_bound_to_16kHz_costs_its_branch()
    {
        using (var model = Model.Load(Fixtures.SileroVadLegacy))
        {
            var profile = ModelProfile.Analyze(model);
            // 194 before shapes reached the bodies; what is left are dims that depend on the symbolic sequence length.
            Assert.InRange(profile.UnresolvedShapes, 1, 130);
            // Node counts and parameters cover the branches, where all of Silero's weights live.
            Assert.Equal((2, 250), (profile.Nodes, profile.TotalNodes));
            Assert.Equal(36, profile.OpCounts["Conv"]);
            Assert.Equal(8, profile.OpCounts["LSTM"]);
            // The weights are main-graph initializers and branch constants that only the branches read.
            var graphs = model.Graph.AllGraphs().ToList();
            var weights = graphs.SelectMany(g => g.Initializers).Sum(v => v.Initializer!.ElementCount)
                + graphs.SelectMany(g => g.Nodes).Where(n => n.OpType == "Constant").Sum(n => (n.Attributes["value"]?.Value as Tensor)?.ElementCount ?? 0);
            Assert.Equal(weights, profile.Parameters);
            Assert.All(model.Graph.Initializers.Where(v => v.Initializer!.ElementCount > 64), v => Assert.All(v.Uses, u => Assert.NotSame(model.Graph, u.Node.Graph)));
        }

        using var bound = Model.Load(Fixtures.SileroVadLegacy);
        ModelOptimizer.Optimize(bound, new OptimizationOptions { Bindings = new Dictionary<string, string> { ["sr"] = "16000" } });
        var boundProfile = ModelProfile.Analyze(bound, new ProfileOptions { DimensionValues = OneChunk });
        Assert.Empty(boundProfile.Subgraphs);
        Assert.Equal(IndependentMacs(Fixtures.SileroVadLegacy), boundProfile.Macs);
    }

    [Fact]
    public void A_Loop_with_a_constant_trip_count_multiplies_its_body_and_one_without_is_not_counted()
    {
        using var constant = LoopModel(tripCountAsInput: false);
        var profile = ModelProfile.Analyze(constant);

        var body = Assert.Single(profile.Subgraphs);
        Assert.Equal(("Loop", "body", 5L, true), (body.OpType, body.Body, body.Iterations!.Value, body.InTotals));
        Assert.Equal(16, body.Macs); // [1,4] x [4,4] once
        Assert.Equal(5 * 16, profile.Macs);
        Assert.Equal(5 * 16, profile.CostByOp.Single(c => c.OpType == "MatMul").Macs);
        Assert.Equal(0, profile.UnresolvedShapes); // the body's carried input took the Loop's initial shape

        using var dynamic = LoopModel(tripCountAsInput: true);
        var open = ModelProfile.Analyze(dynamic);
        Assert.Null(Assert.Single(open.Subgraphs).Iterations);
        Assert.Equal(16, open.Subgraphs[0].Macs);
        Assert.Equal(0, open.Macs);
        Assert.Contains(open.NotCounted, u => u.OpType == "Loop" && u.Reason.Contains("trip count", StringComparison.Ordinal));
    }

    [Fact]
    public void A_Scan_multiplies_its_body_by_the_scanned_length_and_infers_its_outputs()
    {
        using var model = Model.Load(Path.Combine(Fixtures.OnnxTestData, "node", "test_scan9_sum", "model.onnx"));

        var profile = ModelProfile.Analyze(model);

        var body = Assert.Single(profile.Subgraphs);
        Assert.Equal(("Scan", 3L), (body.OpType, body.Iterations!.Value)); // y: [3,2] scanned on axis 0
        Assert.Equal(2, body.Flops); // sum + row, 2 elements
        Assert.Equal(3 * 2, profile.Flops);
        Assert.Equal(0, profile.UnresolvedShapes);
        Assert.Equal(new TensorShape(3, 2), model.Graph.Nodes.Single(n => n.OpType == "Scan").Outputs[1].Shape);
    }

    /// <summary>
    /// x[1,4] → Loop(M, true, x) { acc_out = MatMul(acc, W[4,4]) } with M = 5 as an initializer or as a graph input.
    /// </summary>
    private static Model LoopModel(bool tripCountAsInput)
    {
        var b = new GraphBuilder("loop", opset: 17);
        var x = b.Input("x", DataType.Float, 1, 4);
        var trips = tripCountAsInput ? b.Input("trips", DataType.Int64) : b.Initializer(Tensor.Scalar("trips", 5L));
        var keepGoing = b.Initializer(Tensor.Scalar("keep_going", true));
        var weight = b.Initializer("w", Enumerable.Range(0, 16).Select(i => i / 16f).ToArray(), 4, 4);
        var body = new Graph("body");
        body.Inputs.Add(new Value("i", new TensorType(DataType.Int64, new TensorShape())));
        var condIn = new Value("cond_in", new TensorType(DataType.Bool, new TensorShape()));
        body.Inputs.Add(condIn);
        var acc = new Value("acc"); // no declared type: it comes from the Loop's initial value
        body.Inputs.Add(acc);
        var condOut = new Value("cond_out");
        body.AddNode(new Node("Identity", [condIn], [condOut], name: "carry_cond"));
        var accOut = new Value("acc_out");
        body.AddNode(new Node("MatMul", [acc, weight], [accOut], name: "step"));
        body.Outputs.Add(condOut);
        body.Outputs.Add(accOut);
        b.Output(b.AddNode("Loop", [trips, keepGoing, x], name: "loop", attributes: [("body", body)]).Outputs[0], "y");
        return b.Build();
    }

    /// <summary>
    /// MACs of Silero legacy at 16 kHz on one 512-sample chunk, from ONNX Runtime and the weights alone: bind sr, expose
    /// every Conv and LSTM output, run one chunk, and count Conv as output elements × weight elements per output channel
    /// and LSTM as sequence × batch × (W + R elements).
    /// </summary>
    private static long IndependentMacs(string path)
    {
        using var model = Model.Load(path);
        ModelOptimizer.Optimize(model, new OptimizationOptions { Bindings = new Dictionary<string, string> { ["sr"] = "16000" }, Level = PassLevel.Basic });
        var costed = model.Graph.Nodes.Where(n => n.OpType is "Conv" or "LSTM").ToList();
        foreach (var node in costed)
            if (!model.Graph.Outputs.Contains(node.Outputs[0])) model.Graph.Outputs.Add(node.Outputs[0]);
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model.ToBytes(), options);
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(new float[512], [1, 512])),
            NamedOnnxValue.CreateFromTensor("h", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>([2, 1, 64])),
            NamedOnnxValue.CreateFromTensor("c", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>([2, 1, 64])),
        };
        using var results = session.Run(inputs);
        var shapes = results.ToDictionary(r => r.Name, r => r.AsTensor<float>().Dimensions.ToArray());
        long macs = 0;
        foreach (var node in costed)
        {
            var weight = node.Inputs[1]!.Initializer!;
            var output = shapes[node.Outputs[0].Name];
            if (node.OpType == "Conv")
                macs += output.Aggregate(1L, (p, d) => p * d) * (weight.ElementCount / weight.Dims[0]);
            else
                macs += output[0] * output[2] * (weight.ElementCount + node.Inputs[2]!.Initializer!.ElementCount); // Y: [seq, dirs, batch, hidden]
        }
        Assert.True(macs > 500_000, $"only {macs} MACs: the costed nodes were not found");
        return macs;
    }
}
