using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Internal;

namespace EdgeOpt.Tests.Quantization;

/// <summary>
/// What the weight quantizers leave in float travels as <see cref="ExcludedNode"/> (node, operator, reason) from the
/// quantizer to <see cref="QuantizationResult.ExcludedNodes"/>; the reports' public <c>Skipped</c> lines are written
/// from it, and nothing parses them back (a node name with ": " in it survives).
/// </summary>
public sealed class LeftInFloatReasonTests
{
    private const string NotAMatrix = "its B input 'y' is not a constant float [K, N] matrix (activation x activation products stay float)";

    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    /// <summary>x[1,32] → "block: fc" (MatMul, constant) → "fc2" (MatMul, constant); x × y → "act" (two activations).</summary>
    private static Model ThreeMatMuls()
    {
        var b = new GraphBuilder("three_matmuls", 17);
        var x = b.Input("x", DataType.Float, 1, 32);
        var y = b.Input("y", DataType.Float, 32, 8);
        var hidden = b.AddNode("MatMul", [x, b.Initializer("w1", Values(32 * 32, 1), 32, 32)], name: "block: fc").Outputs[0];
        var fc2 = b.AddNode("MatMul", [hidden, b.Initializer("w2", Values(32 * 8, 2), 32, 8)], name: "fc2").Outputs[0];
        var act = b.AddNode("MatMul", [x, y], name: "act").Outputs[0];
        b.Output(fc2, "z");
        b.Output(act, "p");
        return b.Build();
    }

    [Fact]
    public void Int4_report_carries_node_operator_and_reason_and_writes_skipped_lines_from_them()
    {
        using var model = ThreeMatMuls();

        var report = Int4WeightQuantizer.Quantize(model, new Int4QuantizationOptions { ExcludedNodes = ["block: fc"] });

        Assert.Equal(["fc2"], report.Quantized.Select(q => q.NodeName));
        Assert.Equal([new ExcludedNode("block: fc", "MatMul", "excluded"), new ExcludedNode("act", "MatMul", NotAMatrix)], report.LeftInFloat);
        Assert.Equal(["block: fc: excluded", $"act: {NotAMatrix}"], report.Skipped);
    }

    [Theory]
    [InlineData(QuantizationType.Int4)]
    [InlineData(QuantizationType.Int8Dynamic)]
    public void Quantizer_passes_the_quantizers_entries_on_unparsed(QuantizationType type)
    {
        using var model = ThreeMatMuls();

        using var result = new Quantizer(new QuantizerOptions { Type = type, ExcludedNodes = ["block: fc"] }).Quantize(model);

        Assert.Equal(1, result.QuantizedNodes);
        Assert.Equal(
            [new ExcludedNode("act", "MatMul", NotAMatrix), new ExcludedNode("block: fc", "MatMul", "excluded")],
            result.ExcludedNodes.OrderBy(e => e.Node, StringComparer.Ordinal));
    }

    [Fact]
    public void Nothing_to_quantize_names_each_skipped_node_with_its_reason()
    {
        using var model = ThreeMatMuls();

        var e = Assert.Throws<UsageException>(() => DynamicQuantizer.Quantize(model, new DynamicQuantizationOptions { ExcludedNodes = ["block: fc", "fc2"] }));

        Assert.Equal($"no MatMul, Gemm, Conv or LSTM with constant weights to quantize (skipped: block: fc: excluded; fc2: excluded; act: {NotAMatrix})", e.Message);
    }

    [Fact]
    public void Static_int8_leaves_each_unquantizable_recurrent_layer_with_its_own_reason_and_the_model_untouched()
    {
        // An LSTM whose W is a graph input (no constant weight) and a GRU (no ORT kernel).
        var b = new GraphBuilder("recurrent_inputs", 17);
        var x = b.Input("x", DataType.Float, 5, 1, 3);
        var w = b.Input("w", DataType.Float, 1, 16, 3);
        var lstm = b.AddNode("LSTM", [x, w, b.Initializer("lstm_r", Values(64, 3), 1, 16, 4)], outputCount: 3, name: "lstm",
            attributes: [("hidden_size", 4L)]);
        var gru = b.AddNode("GRU", [x, b.Initializer("gru_w", Values(36, 4), 1, 12, 3), b.Initializer("gru_r", Values(48, 5), 1, 12, 4)],
            outputCount: 2, name: "gru", attributes: [("hidden_size", 4L)]);
        b.Output(lstm.Outputs[0], "lstm_y");
        b.Output(gru.Outputs[0], "gru_y");
        using var model = b.Build();
        var before = model.ToBytes();

        var report = StaticControlFlow.QuantizeRecurrent(model, perChannel: true, excluded: []);

        Assert.Empty(report.Quantized);
        Assert.Equal(
            [
                new ExcludedNode("lstm", "LSTM", "its W and R weights are not float [directions, 4*hidden, *] tensors computed from constants alone"),
                new ExcludedNode("gru", "GRU", "ONNX Runtime has no DynamicQuantizeGRU kernel (its own quantize_dynamic leaves GRU in float too)"),
            ],
            report.LeftInFloat);
        Assert.Equal(before, model.ToBytes());
    }
}
