using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using Compat = EdgeOpt.Analysis.BackendSupport;

namespace EdgeOpt.Tests.Compatibility;

public sealed class BackendSupportTests
{
    [Fact]
    public void Supported_lists_the_seven_tables()
    {
        Assert.Equal(
            [AccelerationBackend.Nnapi, AccelerationBackend.CoreMl, AccelerationBackend.TensorRt, AccelerationBackend.Xnnpack,
                AccelerationBackend.WebGpu, AccelerationBackend.WebGl, AccelerationBackend.Wasm],
            Compat.Supported);
    }

    [Fact]
    public void A_backend_without_a_table_is_refused_with_the_valid_ones()
    {
        using var model = CompatModels.ConvChain(1);
        var e = Assert.Throws<ArgumentException>(() => Compat.Check(model, AccelerationBackend.Cuda));
        Assert.Contains("nnapi", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_op_in_the_middle_splits_NNAPI_into_two_partitions()
    {
        using var model = CompatModels.ConvChain(1);
        var report = Compat.Check(model, AccelerationBackend.Nnapi);

        Assert.Equal(5, report.Nodes.Count);
        Assert.Equal(4, report.SupportedNodes);
        Assert.Equal(2, report.Partitions);
        var middle = Assert.Single(report.Nodes, n => !n.Supported);
        Assert.Equal("HardSwish", middle.OpType);
        Assert.Equal(UnsupportedCause.Operator, middle.Cause);
        Assert.Contains("ai.onnx:HardSwish", middle.Reason, StringComparison.Ordinal);
        Assert.Same(model.Graph.Nodes[2], middle.Node);
        var replace = Assert.Single(report.Suggestions, s => s.Kind == SuggestionKind.ReplaceOp);
        Assert.Equal(["middle"], replace.Nodes);
        Assert.Contains("2 partitions", replace.Text, StringComparison.Ordinal);
        Assert.Contains(report.Suggestions, s => s.Kind == SuggestionKind.Quantize && s.Command!.StartsWith("edgeopt quantize", StringComparison.Ordinal));
    }

    [Fact]
    public void A_supported_middle_op_keeps_one_partition()
    {
        using var model = CompatModels.ConvChain(1, middleOp: "Sigmoid");
        var report = Compat.Check(model, AccelerationBackend.Nnapi);
        Assert.Equal(5, report.SupportedNodes);
        Assert.Equal(1, report.Partitions);
        Assert.DoesNotContain(report.Suggestions, s => s.Kind == SuggestionKind.ReplaceOp);
    }

    [Fact]
    public void A_symbolic_batch_fails_every_NNAPI_node_and_suggests_the_exact_fixed_shape_command()
    {
        using var model = CompatModels.ConvChain(Dim.Symbolic("N"), middleOp: "Sigmoid");
        var report = Compat.Check(model, AccelerationBackend.Nnapi);

        Assert.Equal(0, report.SupportedNodes);
        Assert.Equal(0, report.Partitions);
        Assert.All(report.Nodes, n => Assert.Equal(UnsupportedCause.DynamicShape, n.Cause));
        Assert.Contains("[N,3,8,8]", report.Nodes[0].Reason, StringComparison.Ordinal);
        var fix = Assert.Single(report.Suggestions, s => s.Kind == SuggestionKind.FixShapes);
        Assert.Equal("edgeopt optimize model.onnx --fixed-shape x=1x3x8x8 -o model.fixed.onnx", fix.Command);
        Assert.Equal(5, fix.Nodes.Count);
    }

    [Fact]
    public void CoreML_runs_a_symbolic_batch_but_still_suggests_fixing_it()
    {
        using var model = CompatModels.ConvChain(Dim.Symbolic("N"), middleOp: "Sigmoid");
        var report = Compat.Check(model, AccelerationBackend.CoreMl);
        Assert.Equal(5, report.SupportedNodes);
        Assert.Equal(1, report.Partitions);
        var fix = Assert.Single(report.Suggestions, s => s.Kind == SuggestionKind.FixShapes);
        Assert.Equal("edgeopt optimize model.onnx --fixed-shape x=1x3x8x8 -o model.fixed.onnx", fix.Command);
    }

    [Fact]
    public void Conv_weights_that_are_graph_inputs_are_not_constant_on_NNAPI_and_XNNPACK()
    {
        using var model = CompatModels.ConvChain(1, middleOp: "Sigmoid", constantWeights: false);
        foreach (var backend in new[] { AccelerationBackend.Nnapi, AccelerationBackend.Xnnpack })
        {
            var conv1 = Compat.Check(model, backend).Nodes[0];
            Assert.False(conv1.Supported);
            Assert.Equal(UnsupportedCause.NonConstantInput, conv1.Cause);
            Assert.Contains("'w1'", conv1.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void WebGL_leaves_int64_compute_to_the_CPU_while_WebGPU_and_WASM_take_it()
    {
        using var model = CompatModels.Int64Heavy();
        var webgl = Compat.Check(model, AccelerationBackend.WebGl);
        Assert.Equal(["relu"], webgl.Nodes.Where(n => n.Supported).Select(n => n.Node.Name));
        foreach (var name in new[] { "add", "mul", "cast" })
        {
            var node = Assert.Single(webgl.Nodes, n => n.Node.Name == name);
            Assert.Equal(UnsupportedCause.DataType, node.Cause);
            Assert.Contains("int64", node.Reason, StringComparison.Ordinal);
        }
        Assert.Equal(4, Compat.Check(model, AccelerationBackend.WebGpu).SupportedNodes);
        Assert.Equal(4, Compat.Check(model, AccelerationBackend.Wasm).SupportedNodes);
    }

    [Fact]
    public void A_quantized_model_gets_KeepFloat_on_CoreML()
    {
        var b = new GraphBuilder("q", opset: 17);
        var x = b.Input("x", DataType.Float, 1, 4);
        var scale = b.Initializer("scale", new[] { 0.1f }, []);
        var zero = b.Initializer("zero", new byte[] { 128 }, []);
        var q = b.AddNode("QuantizeLinear", [x, scale, zero], name: "q").Outputs[0];
        var dq = b.AddNode("DequantizeLinear", [q, scale, zero], name: "dq").Outputs[0];
        b.Output(b.AddNode("Relu", [dq], name: "relu").Outputs[0], "y");
        using var model = b.Build();

        var report = Compat.Check(model, AccelerationBackend.CoreMl);
        var keep = Assert.Single(report.Suggestions, s => s.Kind == SuggestionKind.KeepFloat);
        Assert.Equal(["q", "dq"], keep.Nodes);
        Assert.True(Compat.Check(model, AccelerationBackend.Nnapi).Nodes.All(n => n.Supported));
    }

    [Fact]
    public void Checking_leaves_the_model_untouched()
    {
        using var model = CompatModels.ConvChain(Dim.Symbolic("N"));
        var before = model.ToBytes();
        Compat.Check(model, AccelerationBackend.Nnapi);
        Assert.Equal(before, model.ToBytes());
    }
}
