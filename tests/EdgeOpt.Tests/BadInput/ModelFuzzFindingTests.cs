using System.Buffers.Binary;
using System.Text;
using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Tflite;
using static EdgeOpt.Tests.BadInput.OnnxMessages;
using static EdgeOpt.Tests.BadInput.ProtoEncoder;

namespace EdgeOpt.Tests.BadInput;

/// <summary>
/// What coverage-guided fuzzing found in the model readers and converters beyond the load-rule catalogue
/// (<see cref="MalformedModels"/>, where the reader's own finds are), each as its minimal input (docs/reliability.md,
/// "Coverage-guided fuzzing").
/// </summary>
public class ModelFuzzFindingTests
{
    [Fact]
    public void An_initializer_whose_dims_claim_more_than_its_typed_values_is_refused_before_the_dims_are_allocated()
    {
        // int64 w[134217728] (1 GiB) holding one int64_data value: the reader allocated the 1 GiB, then counted.
        var graph = Graph("claims", [Node("Identity", ["w"], ["y"], "id")],
            initializers: [Concat(Int(1, 1L << 27), Int(2, (long)DataType.Int64), String(8, "w"), Int(7, 5))],
            outputs: [TensorValue("y", DataType.Int64, 1L << 27)]);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ModelFormatException>(() => EdgeOpt.Onnx.Model.Parse(Model(graph)).Dispose());

        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16 * 1024 * 1024);
        Assert.Contains("tensor 'w' holds 1 values but int64 dims need 134217728", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Opset_conversion_refusing_an_operator_whose_name_breaks_lines_says_so_on_one_line()
    {
        // Was a two-line UnsupportedOperatorException: the unknown op type came from the file unescaped.
        var b = new GraphBuilder("forged", opset: 16);
        var x = b.Input("x", DataType.Float, 4);
        b.Output(b.Op("Ide\nerror: forged", [x]), "y");
        using var model = b.Build();

        var e = Assert.Throws<UnsupportedOperatorException>(() => OpsetConverter.Convert(model, 12));

        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("'Ide\\nerror: forged' is not an ai.onnx operator", e.Message, StringComparison.Ordinal);
        Assert.Equal(16, model.GetOpset()); // all or nothing: left as it was
    }

    [Theory]
    [InlineData("float")] // was InvalidCastException: Single to Int64[]
    [InlineData("graphs")] // was InvalidCastException: Graph[] to Int64[]
    public void Opset_conversion_of_a_node_whose_attribute_has_the_wrong_kind_refuses_it_by_name(string kind)
    {
        // ReduceSum-12 takes 'axes' as ints; 13 makes it an input. Any other kind is a malformed node, refused by name.
        var b = new GraphBuilder("wrong_kind", opset: 12);
        var x = b.Input("x", DataType.Float, 2, 3);
        object axes = kind == "float" ? 1.5f : new[] { new Graph("g1") };
        b.Output(b.Op("ReduceSum", [x], ("axes", axes)), "y");
        using var model = b.Build();

        var e = Assert.Throws<ModelFormatException>(() => OpsetConverter.Convert(model, 13));

        Assert.Contains($"attribute 'axes' is {(kind == "float" ? "FLOAT" : "GRAPHS")}; ReduceSum needs INTS", e.Message, StringComparison.Ordinal);
        Assert.Equal(12, model.GetOpset());
    }

    [Theory]
    [InlineData(13, 12)] // was ArgumentOutOfRangeException reading input 0 on the way down
    [InlineData(12, 13)] // and on the way up
    public void Opset_conversion_of_a_node_without_its_required_input_refuses_it_by_name(int from, int to)
    {
        var b = new GraphBuilder("no_input", opset: from);
        var y = b.AddNode("Softmax", [], outputNames: ["y"]).Outputs[0];
        b.Output(y);
        using var model = b.Build();

        var e = Assert.Throws<ModelFormatException>(() => OpsetConverter.Convert(model, to));

        Assert.Contains("the node is malformed: input 0 is missing; Softmax requires it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_TFLite_output_tensor_without_a_name_becomes_a_named_ONNX_output_that_reads_back()
    {
        // The converter gave the graph output the TFLite name "", which ONNX reads as "no output": the model it made
        // could not be written and read again ("graph output '' is not defined").
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures.TfliteMicro, "integration_tests", "seanet", "sub", "sub0.tflite"));
        string output;
        using (var original = TfliteConverter.Convert(bytes, "sub0.tflite")) output = original.Graph.Outputs.Single().Name;
        var name = Encoding.UTF8.GetBytes(output);
        byte[] prefixed = [.. BitConverter.GetBytes(name.Length), .. name];
        var renamed = 0;
        for (var at = bytes.AsSpan().IndexOf(prefixed); at >= 0; at = bytes.AsSpan().IndexOf(prefixed), renamed++)
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), 0); // a FlatBuffers string of length 0
        Assert.True(renamed > 0, $"the name '{output}' was not found in the file");

        using var model = TfliteConverter.Convert(bytes, "unnamed-output.tflite");

        var converted = model.Graph.Outputs.Single().Name;
        Assert.NotEqual("", converted);
        using var again = EdgeOpt.Onnx.Model.Parse(model.ToBytes());
        Assert.Equal(converted, again.Graph.Outputs.Single().Name);
    }

    [Theory]
    [InlineData(5_000)] // just over the cap: refused
    [InlineData(1_000_000)] // what a mutated shape can say (a 13 KB file): was a conversion that ran for minutes (quadratic naming)
    public void A_TFLite_LSTM_unrolled_over_more_steps_than_EdgeOpt_unrolls_is_refused_at_once(int steps)
    {
        // The int8 MNIST LSTM (unrolled per step for its quantized state), its input [1, 28, 28] given more time steps.
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures.TfliteMicro, "examples", "mnist_lstm", "trained_lstm_int8.tflite"));
        byte[] shape = [.. BitConverter.GetBytes(3), .. BitConverter.GetBytes(1), .. BitConverter.GetBytes(28), .. BitConverter.GetBytes(28)];
        var at = bytes.AsSpan().IndexOf(shape);
        Assert.True(at >= 0, "the input shape [1,28,28] was not found in the file");
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at + 8), steps);

        var e = Assert.Throws<UnsupportedOperatorException>(() => TfliteConverter.Convert(bytes, "long-lstm.tflite"));

        Assert.Contains($"its {steps} steps exceed the 4096 EdgeOpt unrolls", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }
}
