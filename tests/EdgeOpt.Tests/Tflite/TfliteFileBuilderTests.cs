using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Tflite;
using EdgeOpt.Runtime;
using Google.FlatBuffers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Tests.Tflite;

/// <summary>
/// The test-only <see cref="TfliteFileBuilder"/> is right before it is trusted to make bad files: its valid models pass
/// FlatBuffers' own verifier, convert, and give hand-computed numbers in ONNX Runtime and in Google's TFLite interpreter.
/// </summary>
public class TfliteFileBuilderTests
{
    [Fact]
    public void Add_with_relu_gives_the_hand_computed_sums()
    {
        var y = RunConverted(TfliteSamples.Add().Build(), "x", [1f, 2f, -3f, 4f], [1, 4]);

        // x + [0.5, -1, 2, 10] = [1.5, 1, -1, 14], then relu.
        Assert.Equal([1.5f, 1f, 0f, 14f], y);
    }

    [Fact]
    public void A_constant_stored_after_the_flatbuffer_by_offset_and_size_is_read_from_there()
    {
        var bytes = TfliteSamples.Add(constantByOffset: true).Build();

        var y = RunConverted(bytes, "x", [1f, 2f, -3f, 4f], [1, 4]);

        Assert.Equal([1.5f, 1f, 0f, 14f], y);
    }

    [Fact]
    public void Conv2d_gives_the_hand_computed_nhwc_features()
    {
        var y = RunConverted(TfliteSamples.Conv().Build(), "image", [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);

        // Channel 0: x[i,j] + x[i+1,j+1] + 0.5 = 6.5, 8.5, 12.5, 14.5; channel 1: 2×2 window sums − 10 = 2, 6, 14, 18.
        Assert.Equal([6.5f, 2f, 8.5f, 6f, 12.5f, 14f, 14.5f, 18f], y);
    }

    [Fact]
    public void Per_axis_int8_weights_dequantize_with_their_own_scale_and_zero_point()
    {
        var y = RunConverted(TfliteSamples.PerAxisWeights().Build(), "x", [0, 0, 0, 100, 100, 100], [2, 3]);

        // Row 0: 0.5 × ([3,1,-1] − 1) = [1, 0, -1]; row 1: 2 × ([0,2,4] + 1) = [2, 6, 10].
        Assert.Equal([1f, 0f, -1f, 102f, 106f, 110f], y);
    }

    [Fact]
    public void Sparse_csr_constant_densifies_to_the_hand_computed_matrix()
    {
        var y = RunConverted(TfliteSamples.Sparse().Build(), "x", [1, 1, 1, 1, 1, 1], [2, 3]);

        // [[0,5,0],[6,0,7]] + 1.
        Assert.Equal([1f, 6f, 1f, 7f, 1f, 8f], y);
    }

    [Fact]
    public void Tflite_s_own_interpreter_agrees_on_the_add_and_conv_models()
    {
        using var dir = new TempDir();
        var add = dir.File("add.tflite");
        File.WriteAllBytes(add, TfliteSamples.Add().Build());
        var conv = dir.File("conv.tflite");
        File.WriteAllBytes(conv, TfliteSamples.Conv().Build());

        var addOut = TfliteReference.Run(add, ([1, 4], new[] { 1f, 2f, -3f, 4f }));
        var convOut = TfliteReference.Run(conv, ([1, 3, 3, 1], new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }));

        Assert.Equal([1.5f, 1f, 0f, 14f], Assert.IsType<float[]>(Assert.Single(addOut).Data));
        Assert.Equal([6.5f, 2f, 8.5f, 6f, 12.5f, 14f, 14.5f, 18f], Assert.IsType<float[]>(Assert.Single(convOut).Data));
    }

    public static TheoryData<string> Samples => ["add", "add-by-offset", "conv", "per-axis", "sparse", "while"];

    [Theory]
    [MemberData(nameof(Samples))]
    public void FlatBuffers_own_verifier_accepts_every_table_of_the_sample_under_schema_fbs(string sample)
    {
        var bytes = sample switch
        {
            "add" => TfliteSamples.Add().Build(),
            "add-by-offset" => TfliteSamples.Add(constantByOffset: true).Build(),
            "conv" => TfliteSamples.Conv().Build(),
            "per-axis" => TfliteSamples.PerAxisWeights().Build(),
            "sparse" => TfliteSamples.Sparse().Build(),
            _ => TfliteSamples.While().Build(),
        };

        Assert.True(new Verifier(new ByteBuffer(bytes)).VerifyBuffer("TFL3", false, TfliteSchema.Model));
        Assert.True(TfliteConverter.IsTflite(bytes));
    }

    [Fact]
    public void The_verifier_is_no_rubber_stamp_a_vector_running_past_the_end_fails_it()
    {
        var file = TfliteSamples.Add();
        var bytes = file.Build();
        BitConverter.TryWriteBytes(bytes.AsSpan(file.Positions["subgraphs[0].tensors[0].shape"]), 1 << 20);

        Assert.False(new Verifier(new ByteBuffer(bytes)).VerifyBuffer("TFL3", false, TfliteSchema.Model));
    }

    [Fact]
    public void Positions_point_at_what_they_name()
    {
        var file = TfliteSamples.Add();
        var bytes = file.Build();

        var name = file.Positions["subgraphs[0].tensors[1].name"];
        Assert.Equal(1, BitConverter.ToInt32(bytes, name));
        Assert.Equal((byte)'c', bytes[name + 4]);
        var data = file.Positions["buffers[1].data"];
        Assert.Equal(16, BitConverter.ToInt32(bytes, data));
        Assert.Equal(TfliteSamples.AddConstant[0], BitConverter.ToSingle(bytes, data + 4));
        Assert.Equal(file.Positions["model"], BitConverter.ToInt32(bytes, 0));
    }

    [Fact]
    public void The_while_model_reads_and_stops_at_the_converter_for_want_of_a_while_conversion()
    {
        var e = Assert.Throws<UnsupportedOperatorException>(() => TfliteConverter.Convert(TfliteSamples.While().Build(), "while.tflite").Dispose());

        Assert.Contains("WHILE", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Converts, runs the only output in ONNX Runtime and returns it flat.</summary>
    internal static float[] RunConverted(byte[] tflite, string input, float[] x, int[] shape)
    {
        using var model = TfliteConverter.Convert(tflite, "sample.tflite");
        using var session = SessionFactory.Create(model);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(x, shape))]);
        return [.. results.Single().AsEnumerable<float>()];
    }
}

/// <summary>schema.fbs's tables as FlatBuffers <see cref="Verifier"/> actions (field ids are vtable offsets: 4 + 2 × slot).</summary>
internal static class TfliteSchema
{
    private static short V(int slot) => (short)(4 + (2 * slot));

    public static bool Model(Verifier v, uint t) =>
        v.VerifyTableStart(t)
        && v.VerifyField(t, V(0), 4, 4, false)
        && v.VerifyVectorOfTables(t, V(1), Code, false)
        && v.VerifyVectorOfTables(t, V(2), Subgraph, false)
        && v.VerifyString(t, V(3), false)
        && v.VerifyVectorOfTables(t, V(4), Buffer, false)
        && v.VerifyVectorOfTables(t, V(7), Signature, false)
        && v.VerifyTableEnd(t);

    private static bool Code(Verifier v, uint t) =>
        v.VerifyTableStart(t)
        && v.VerifyField(t, V(0), 1, 1, false)
        && v.VerifyString(t, V(1), false)
        && v.VerifyField(t, V(2), 4, 4, false)
        && v.VerifyField(t, V(3), 4, 4, false)
        && v.VerifyTableEnd(t);

    private static bool Subgraph(Verifier v, uint t) =>
        v.VerifyTableStart(t)
        && v.VerifyVectorOfTables(t, V(0), Tensor, false)
        && v.VerifyVectorOfData(t, V(1), 4, false)
        && v.VerifyVectorOfData(t, V(2), 4, false)
        && v.VerifyVectorOfTables(t, V(3), Operator, false)
        && v.VerifyString(t, V(4), false)
        && v.VerifyTableEnd(t);

    private static bool Tensor(Verifier v, uint t) =>
        v.VerifyTableStart(t)
        && v.VerifyVectorOfData(t, V(0), 4, false)
        && v.VerifyField(t, V(1), 1, 1, false)
        && v.VerifyField(t, V(2), 4, 4, false)
        && v.VerifyString(t, V(3), false)
        && v.VerifyTable(t, V(4), Quantization, false)
        && v.VerifyField(t, V(5), 1, 1, false)
        && v.VerifyTable(t, V(6), Sparsity, false)
        && v.VerifyVectorOfData(t, V(7), 4, false)
        && v.VerifyTableEnd(t);

    private static bool Quantization(Verifier v, uint t) =>
        v.VerifyTableStart(t)
        && v.VerifyVectorOfData(t, V(0), 4, false)
        && v.VerifyVectorOfData(t, V(1), 4, false)
        && v.VerifyVectorOfData(t, V(2), 4, false)
        && v.VerifyVectorOfData(t, V(3), 8, false)
        && v.VerifyField(t, V(4), 1, 1, false)
        && v.VerifyField(t, V(6), 4, 4, false)
        && v.VerifyTableEnd(t);

    private static bool Sparsity(Verifier v, uint t) =>
        v.VerifyTableStart(t)
        && v.VerifyVectorOfData(t, V(0), 4, false)
        && v.VerifyVectorOfData(t, V(1), 4, false)
        && v.VerifyVectorOfTables(t, V(2), Dimension, false)
        && v.VerifyTableEnd(t);

    private static bool Dimension(Verifier v, uint t) =>
        v.VerifyTableStart(t)
        && v.VerifyField(t, V(0), 1, 1, false)
        && v.VerifyField(t, V(1), 4, 4, false)
        && v.VerifyUnion(t, V(2), V(3), IndexVector, false)
        && v.VerifyUnion(t, V(4), V(5), IndexVector, false)
        && v.VerifyTableEnd(t);

    /// <summary>
    /// SparseIndexVector: Int32Vector, Uint16Vector or Uint8Vector, each one <c>values</c> vector. FlatBuffers' C#
    /// VerifyUnion hands the action the byte at the value's offset instead of the type field, so the type is not used.
    /// </summary>
    private static bool IndexVector(Verifier v, byte _, uint t) =>
        v.VerifyTableStart(t) && v.VerifyVectorOfData(t, V(0), 1, false) && v.VerifyTableEnd(t);

    private static bool Operator(Verifier v, uint t) =>
        v.VerifyTableStart(t)
        && v.VerifyField(t, V(0), 4, 4, false)
        && v.VerifyVectorOfData(t, V(1), 4, false)
        && v.VerifyVectorOfData(t, V(2), 4, false)
        && v.VerifyUnion(t, V(3), V(4), (verifier, _, options) => verifier.VerifyTableStart(options) && verifier.VerifyTableEnd(options), false)
        && v.VerifyVectorOfData(t, V(5), 1, false)
        && v.VerifyField(t, V(9), 8, 8, false)
        && v.VerifyField(t, V(10), 8, 8, false)
        && v.VerifyTableEnd(t);

    private static bool Buffer(Verifier v, uint t) =>
        v.VerifyTableStart(t)
        && v.VerifyVectorOfData(t, V(0), 1, false)
        && v.VerifyField(t, V(1), 8, 8, false)
        && v.VerifyField(t, V(2), 8, 8, false)
        && v.VerifyTableEnd(t);

    private static bool Signature(Verifier v, uint t) =>
        v.VerifyTableStart(t)
        && v.VerifyVectorOfTables(t, V(0), TensorMap, false)
        && v.VerifyVectorOfTables(t, V(1), TensorMap, false)
        && v.VerifyString(t, V(2), false)
        && v.VerifyField(t, V(4), 4, 4, false)
        && v.VerifyTableEnd(t);

    private static bool TensorMap(Verifier v, uint t) =>
        v.VerifyTableStart(t) && v.VerifyString(t, V(0), false) && v.VerifyField(t, V(1), 4, 4, false) && v.VerifyTableEnd(t);
}
