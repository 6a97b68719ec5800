using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.ControlFlow;

/// <summary>
/// Weight quantizers on a small synthetic model with control flow, checked in ONNX Runtime against the float model:
/// a top-level Gemm; an If whose then branch holds its MatMul weight as a Constant node and whose else branch
/// captures an initializer of the main graph; a Loop whose body multiplies its carried state by a body initializer
/// and adds the If's result (an outer-scope capture). And recurrent layers: LSTM (top level and inside an If) and GRU.
/// </summary>
public sealed class ControlFlowQuantizationTests
{
    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    private static TensorType Float(params long[] dims) => new(DataType.Float, new TensorShape([.. dims.Select(d => (Dim)d)]));

    /// <summary>x[1,8], cond → Gemm → If(MatMul with Constant weight | MatMul with captured weight) → Loop ×3 (s = tanh(s·W) + branch).</summary>
    internal static Model BranchAndLoopModel()
    {
        var b = new GraphBuilder("head", opset: 17);
        var x = b.Input("x", DataType.Float, 1, 8);
        var cond = b.Input("cond", DataType.Bool);
        var h0 = b.Input("h0", DataType.Float, 1, 4);
        var top = b.Initializer("top_w", Values(64, 1), 8, 8);
        var topBias = b.Initializer("top_b", Values(8, 2), 8);
        var captured = b.Initializer("else_w", Values(32, 3), 8, 4);
        var hidden = b.AddNode("Gemm", [x, top, topBias], name: "top_gemm", outputNames: ["hidden"]).Outputs[0];
        hidden.Type = Float(1, 8);

        var then = new Graph("then_body");
        var constantWeight = new Value("then_w", Float(8, 4));
        var constant = new Node("Constant", [], [constantWeight], name: "then_w_constant");
        constant.Attributes.Set(OnnxAttribute.FromTensor("value", Tensor.Create("then_w", Values(32, 4), 8, 4)));
        then.AddNode(constant);
        var thenProduct = new Value("then_product", Float(1, 4));
        then.AddNode(new Node("MatMul", [hidden, constantWeight], [thenProduct], name: "then_matmul"));
        var thenOut = new Value("then_out", Float(1, 4));
        then.AddNode(new Node("Relu", [thenProduct], [thenOut], name: "then_relu"));
        then.Outputs.Add(thenOut);

        var otherwise = new Graph("else_body");
        var elseOut = new Value("else_out", Float(1, 4));
        otherwise.AddNode(new Node("MatMul", [hidden, captured], [elseOut], name: "else_matmul"));
        otherwise.Outputs.Add(elseOut);
        var branch = b.AddNode("If", [cond], name: "choose", outputNames: ["branch"], attributes: [("then_branch", then), ("else_branch", otherwise)]).Outputs[0];
        branch.Type = Float(1, 4);

        var body = new Graph("loop_body");
        var iteration = new Value("i", new TensorType(DataType.Int64, new TensorShape([])));
        var keepGoing = new Value("keep_going", new TensorType(DataType.Bool, new TensorShape([])));
        var state = new Value("s", Float(1, 4));
        body.Inputs.Add(iteration);
        body.Inputs.Add(keepGoing);
        body.Inputs.Add(state);
        var loopWeight = body.Initializers.Add(Tensor.Create("loop_w", Values(16, 5), 4, 4));
        var product = new Value("loop_product", Float(1, 4));
        body.AddNode(new Node("MatMul", [state, loopWeight], [product], name: "loop_matmul"));
        var squashed = new Value("loop_squashed", Float(1, 4));
        body.AddNode(new Node("Tanh", [product], [squashed], name: "loop_tanh"));
        var next = new Value("s_next", Float(1, 4));
        body.AddNode(new Node("Add", [squashed, branch], [next], name: "loop_add"));
        var condOut = new Value("keep_going_out", new TensorType(DataType.Bool, new TensorShape([])));
        body.AddNode(new Node("Identity", [keepGoing], [condOut], name: "loop_cond"));
        body.Outputs.Add(condOut);
        body.Outputs.Add(next);
        var trips = b.Initializer("trips", new long[] { 3 });
        var always = b.Initializer("always", new[] { true });
        var final = b.AddNode("Loop", [trips, always, h0], name: "refine", outputNames: ["state"], attributes: [("body", body)]).Outputs[0];
        b.Output(final, type: Float(1, 4));
        b.Output(branch, type: Float(1, 4));
        return b.Build();
    }

    private static Dictionary<string, Tensor> Inputs(bool cond) => new()
    {
        ["x"] = Tensor.Create("x", Values(8, 11), 1, 8),
        ["cond"] = Tensor.Create("cond", [cond]),
        ["h0"] = Tensor.Create("h0", Values(4, 12), 1, 4),
    };

    internal static float[][] Run(Model model, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var session = SessionFactory.Create(model);
        var names = session.InputMetadata.Keys.ToList();
        var values = names.Select(n => OrtTensors.ToOrtValue(Convert(inputs[n], session.InputMetadata[n].ElementDataType))).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, session.OutputMetadata.Keys.ToList());
            return [.. results.Select(r => OrtTensors.ToTensor(r).ToSingleArray())];
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Float inputs become float16 when the converted model takes float16.</summary>
    private static Tensor Convert(Tensor t, TensorElementType target) =>
        target == TensorElementType.Float16 && t.DataType == DataType.Float
            ? Tensor.Create(t.Name, [.. t.ToSingleArray().Select(v => (Half)v)], [.. t.Dims]) : t;

    internal static void AssertClose(float[][] expected, float[][] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (var j = 0; j < expected[i].Length; j++)
            {
                Assert.True(float.IsFinite(actual[i][j]), $"output {i}[{j}] is {actual[i][j]}");
                Assert.True(Math.Abs(expected[i][j] - actual[i][j]) <= tolerance, $"output {i}[{j}]: {actual[i][j]} vs {expected[i][j]} (tolerance {tolerance})");
            }
        }
    }

    private static Dictionary<string, int> OpsIn(Graph graph) => graph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());

    private static Graph Body(Model model, string node, string attribute) =>
        (Graph)model.Graph.AllNodes().Single(n => n.Name == node).Attributes[attribute]!.Value!;

    [Fact]
    public void Dynamic_int8_reaches_branch_constant_captured_and_loop_weights()
    {
        using var model = BranchAndLoopModel();
        var expected = new[] { true, false }.Select(c => Run(model, Inputs(c))).ToList();

        using var result = new Quantizer(new QuantizerOptions { Type = QuantizationType.Int8Dynamic, PerChannel = true }).Quantize(model);

        var quantized = result.Model;
        Assert.Equal(4, result.QuantizedNodes); // top Gemm, both branch MatMuls, the loop MatMul
        Assert.DoesNotContain(quantized.Graph.AllNodes(), n => n.OpType is "MatMul" or "Gemm");
        Assert.Equal(1, OpsIn(Body(quantized, "choose", "then_branch"))["DynamicQuantizeMatMul"]);
        Assert.Equal(1, OpsIn(Body(quantized, "choose", "else_branch"))["DynamicQuantizeMatMul"]);
        Assert.Equal(1, OpsIn(Body(quantized, "refine", "body"))["DynamicQuantizeMatMul"]);
        Assert.DoesNotContain(quantized.Graph.AllNodes(), n => n.OpType == "Constant" && n.Outputs[0].Uses.Count == 0);
        Assert.DoesNotContain(quantized.Graph.Initializers, v => v.Name == "else_w"); // the captured float weight is gone
        Assert.Empty(result.ExcludedNodes);
        AssertClose(expected[0], Run(quantized, Inputs(true)), 0.05);
        AssertClose(expected[1], Run(quantized, Inputs(false)), 0.05);
    }

    [Fact]
    public void Int4_reaches_branch_and_loop_matmuls()
    {
        using var model = BranchAndLoopModel();
        var expected = Run(model, Inputs(true));

        using var result = new Quantizer(new QuantizerOptions { Type = QuantizationType.Int4, BlockSize = 16 }).Quantize(model);

        Assert.Equal(3, result.QuantizedNodes); // both branch MatMuls and the loop MatMul (Gemm is not an int4 operator)
        Assert.DoesNotContain(result.Model.Graph.AllNodes(), n => n.OpType == "MatMul");
        Assert.Equal(1, OpsIn(Body(result.Model, "refine", "body"))["MatMulNBits"]);
        // 4-bit weights of random 8×4 and 4×4 matrices (one block per column) err by up to max|w|/16 each, and the loop
        // compounds it three times: a loose bound, but far below the outputs' spread (a wrong wiring gives errors of ~2).
        AssertClose(expected, Run(result.Model, Inputs(true)), 0.75);
        AssertClose(Run(model, Inputs(false)), Run(result.Model, Inputs(false)), 0.75);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Float16_converts_bodies_with_casts_at_captures_and_loop_state(bool keepIoTypes)
    {
        using var model = BranchAndLoopModel();
        var expected = new[] { true, false }.Select(c => Run(model, Inputs(c))).ToList();

        using var result = new Quantizer(new QuantizerOptions { Type = QuantizationType.Float16, KeepIoTypes = keepIoTypes }).Quantize(model);

        var converted = result.Model;
        var body = Body(converted, "refine", "body");
        Assert.Equal(DataType.Float16, body.Inputs[2].ElementType); // the carried state is float16 on every iteration
        Assert.Equal(DataType.Float16, body.Outputs[1].ElementType);
        Assert.Equal(DataType.Float16, body.Initializers[0].Initializer!.DataType);
        Assert.Equal(keepIoTypes ? DataType.Float : DataType.Float16, converted.Graph.Inputs.Single(v => v.Name == "x").ElementType);
        Assert.Equal(keepIoTypes ? DataType.Float : DataType.Float16, converted.Graph.Outputs[0].ElementType);
        Assert.DoesNotContain(converted.Graph.AllNodes(), n => n.Inputs.Any(v => v?.Initializer is { DataType: DataType.Float }));
        Assert.Empty(result.ExcludedNodes);
        Assert.Equal(result.FloatModel.Graph.AllNodes().Count(), result.QuantizedNodes); // every node, bodies included, now computes in float16
        AssertClose(expected[0], Run(converted, Inputs(true)), 0.01);
        AssertClose(expected[1], Run(converted, Inputs(false)), 0.01);
    }

    /// <summary>X[5,1,3] → LSTM(hidden 4) and GRU(hidden 4) at the top level, and an LSTM inside an If branch.</summary>
    internal static Model RecurrentModel()
    {
        var b = new GraphBuilder("recurrent", opset: 17);
        var x = b.Input("x", DataType.Float, 5, 1, 3);
        var cond = b.Input("cond", DataType.Bool);
        var lstm = b.AddNode("LSTM", [x, b.Initializer("lstm_w", Values(48, 21), 1, 16, 3), b.Initializer("lstm_r", Values(64, 22), 1, 16, 4),
            b.Initializer("lstm_b", Values(32, 23), 1, 32)], outputCount: 3, name: "lstm", attributes: [("hidden_size", 4L)]);
        var gru = b.AddNode("GRU", [x, b.Initializer("gru_w", Values(36, 24), 1, 12, 3), b.Initializer("gru_r", Values(48, 25), 1, 12, 4)],
            outputCount: 2, name: "gru", attributes: [("hidden_size", 4L)]);

        var then = new Graph("then_body");
        var y = new Value("branch_y", Float(5, 1, 1, 4));
        var yh = new Value("branch_yh", Float(1, 1, 4));
        var branchLstm = new Node("LSTM", [x, then.Initializers.Add(Tensor.Create("branch_w", Values(48, 26), 1, 16, 3)),
            then.Initializers.Add(Tensor.Create("branch_r", Values(64, 27), 1, 16, 4))], [y, yh], name: "branch_lstm");
        branchLstm.Attributes.Set(OnnxAttribute.Int("hidden_size", 4));
        then.AddNode(branchLstm);
        then.Outputs.Add(yh);
        var otherwise = new Graph("else_body");
        var passthrough = new Value("else_yh", Float(1, 1, 4));
        otherwise.AddNode(new Node("Identity", [lstm.Outputs[1]], [passthrough], name: "else_identity"));
        otherwise.Outputs.Add(passthrough);
        var chosen = b.AddNode("If", [cond], name: "choose", outputNames: ["chosen"], attributes: [("then_branch", then), ("else_branch", otherwise)]).Outputs[0];

        b.Output(lstm.Outputs[0], "lstm_y", Float(5, 1, 1, 4));
        b.Output(gru.Outputs[0], "gru_y", Float(5, 1, 1, 4));
        b.Output(chosen, type: Float(1, 1, 4));
        return b.Build();
    }

    [Fact]
    public void Lstm_becomes_dynamic_quantize_lstm_and_gru_stays_float_with_its_reason()
    {
        using var model = RecurrentModel();
        var inputs = new Dictionary<string, Tensor> { ["x"] = Tensor.Create("x", Values(15, 31), 5, 1, 3), ["cond"] = Tensor.Create("cond", [true]) };
        var expected = Run(model, inputs);

        using var result = new Quantizer(new QuantizerOptions { Type = QuantizationType.Int8Dynamic, PerChannel = true }).Quantize(model);

        var lstms = result.Model.Graph.AllNodes().Where(n => n.OpType == "DynamicQuantizeLSTM").ToList();
        Assert.Equal(2, lstms.Count); // top level and inside the branch
        Assert.All(lstms, n =>
        {
            Assert.Equal("com.microsoft", n.Domain);
            Assert.Equal(12, n.Inputs.Count);
            Assert.Equal([1L, 3, 16], n.Inputs[1]!.Initializer!.Dims); // W transposed to [D, I, 4H]
            Assert.Equal([1L, 4, 16], n.Inputs[2]!.Initializer!.Dims); // R transposed to [D, H, 4H]
            Assert.Equal([1L, 16], n.Inputs[8]!.Initializer!.Dims); // per-channel W scale [D, 4H]
            Assert.Equal(DataType.Int8, n.Inputs[9]!.Initializer!.DataType);
        });
        var gru = Assert.Single(result.ExcludedNodes);
        Assert.Equal(("gru", "GRU"), (gru.Node, gru.OpType));
        Assert.Contains("no DynamicQuantizeGRU", gru.Reason, StringComparison.Ordinal);
        Assert.Equal(2, result.QuantizedNodes);
        AssertClose(expected, Run(result.Model, inputs), 0.05);
    }
}
